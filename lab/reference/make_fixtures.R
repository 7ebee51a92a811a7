# Reference outputs of R `surveillance` (Debian r-cran-surveillance) on real series it ships.
#
# Why: riskwire's aberration detectors claim to implement earsC and farringtonFlexible; these
# outputs are what they are compared with (tests/unit/test_aberration_reference.py and
# `riskwire detect --reference`-style studies in lab/reference_study.py). The series are real:
# fourteen weekly RKI SurvStat series with expert outbreak labels (h1_nrwrp, k1, m1-m5, n1, n2,
# q1_nrwh, q2, s1-s3) plus salmonella.agona and campyDE, all shipped in the surveillance package
# (GPL-2; data from the Robert Koch Institute and the Health Protection Agency, see its help pages).
#
# Run: Rscript lab/reference/make_fixtures.R > lab/data/surveillance_reference.json
suppressMessages(library(surveillance))

num <- function(x) {  # JSON numbers; R's Inf and NaN as Python's json reads them
  x <- as.numeric(x)
  txt <- trimws(formatC(x, digits = 15, format = "g"))
  txt[is.infinite(x) & x > 0] <- "Infinity"
  txt[is.infinite(x) & x < 0] <- "-Infinity"
  txt[is.nan(x)] <- "NaN"
  txt[is.na(x) & !is.nan(x)] <- "null"
  txt
}
arr <- function(x) paste0("[", paste(num(x), collapse = ","), "]")
bools <- function(x) paste0("[", paste(ifelse(is.na(x), "null", ifelse(x, "true", "false")), collapse = ","), "]")
str <- function(x) paste0('"', gsub('"', "'", x), '"')

series <- list()
for (n in c("h1_nrwrp", "k1", "m1", "m2", "m3", "m4", "m5", "n1", "n2", "q1_nrwh", "q2", "s1", "s2", "s3")) {
  data(list = n)
  d <- get(n)
  series[[n]] <- list(observed = as.numeric(d$observed), state = as.numeric(d$state), freq = 52)
}
data(salmonella.agona)
series[["salmonella.agona"]] <- list(observed = as.numeric(salmonella.agona$observed),
                                     state = as.numeric(salmonella.agona$state), freq = 52)
data(campyDE)
series[["campyDE"]] <- list(observed = as.numeric(campyDE$case), state = rep(0, nrow(campyDE)), freq = 52)

ears <- list(
  list(name = "C1-k3-min0.5", method = "C1", alpha = pnorm(-3), minSigma = 0.5),
  list(name = "C2-k3-min0.5", method = "C2", alpha = pnorm(-3), minSigma = 0.5),
  list(name = "C3-k2-min0.5", method = "C3", alpha = pnorm(-2), minSigma = 0.5),
  list(name = "C1-default", method = "C1", alpha = 0.001, minSigma = 0),
  list(name = "C2-default", method = "C2", alpha = 0.001, minSigma = 0),
  list(name = "C3-default", method = "C3", alpha = 0.025, minSigma = 0)
)
farr <- list(
  list(name = "farrington-b3", b = 3, w = 3, thresholdMethod = "delta", weightsThreshold = 1,
       noPeriods = 1, pastWeeksNotIncluded = 3, alpha = 0.01),
  list(name = "nbplugin-b3", b = 3, w = 3, thresholdMethod = "nbPlugin", weightsThreshold = 2.58,
       noPeriods = 1, pastWeeksNotIncluded = 3, alpha = 0.01),
  list(name = "noufaily-b3", b = 3, w = 3, thresholdMethod = "nbPlugin", weightsThreshold = 2.58,
       noPeriods = 10, pastWeeksNotIncluded = 26, alpha = 0.01),
  list(name = "farrington-b5", b = 5, w = 3, thresholdMethod = "delta", weightsThreshold = 1,
       noPeriods = 1, pastWeeksNotIncluded = 3, alpha = 0.01),
  list(name = "noufaily-b5", b = 5, w = 3, thresholdMethod = "nbPlugin", weightsThreshold = 2.58,
       noPeriods = 10, pastWeeksNotIncluded = 26, alpha = 0.01)
)

out <- c()
for (sname in names(series)) {
  s <- series[[sname]]
  st <- sts(observed = s$observed, state = s$state, frequency = s$freq)
  runs <- c()
  for (e in ears) {
    r <- earsC(st, control = list(method = e$method, baseline = 7, minSigma = e$minSigma, alpha = e$alpha))
    first <- length(s$observed) - nrow(r@observed)  # 0-based index of the first evaluated point
    runs <- c(runs, paste0(str(e$name), ':{"method":', str(e$method), ',"alpha":', num(e$alpha),
                           ',"min_sigma":', num(e$minSigma), ',"first":', first,
                           ',"upperbound":', arr(r@upperbound), ',"alarm":', bools(r@alarm), '}'))
  }
  for (f in farr) {
    if (length(s$observed) < s$freq * f$b + f$w + 1) next
    r <- tryCatch(suppressWarnings(farringtonFlexible(st, control = list(
      b = f$b, w = f$w, thresholdMethod = f$thresholdMethod, weightsThreshold = f$weightsThreshold,
      noPeriods = f$noPeriods, pastWeeksNotIncluded = f$pastWeeksNotIncluded, alpha = f$alpha,
      reweight = TRUE, trend = TRUE, pThresholdTrend = 0.05, limit54 = c(5, 4),
      glmWarnings = FALSE))), error = function(err) conditionMessage(err))
    head <- paste0(str(f$name), ':{"b":', f$b, ',"w":', f$w, ',"threshold_method":', str(f$thresholdMethod),
                   ',"weights_threshold":', num(f$weightsThreshold), ',"no_periods":', f$noPeriods,
                   ',"past_weeks_not_included":', f$pastWeeksNotIncluded, ',"alpha":', num(f$alpha))
    if (is.character(r)) {
      runs <- c(runs, paste0(head, ',"error":', str(r), '}'))
    } else {
      first <- length(s$observed) - nrow(r@observed)
      runs <- c(runs, paste0(head, ',"first":', first, ',"upperbound":', arr(r@upperbound),
                             ',"alarm":', bools(r@alarm), ',"expected":', arr(r@control$expected),
                             ',"mu0":', arr(r@control$mu0Vector), ',"phi":', arr(r@control$phiVector),
                             ',"trend":', arr(r@control$trend), '}'))
    }
  }
  out <- c(out, paste0(str(sname), ':{"observed":', arr(s$observed), ',"state":', arr(s$state),
                       ',"freq":', s$freq, ',"runs":{', paste(runs, collapse = ","), '}}'))
}
cat('{"source":"R surveillance ', as.character(packageVersion("surveillance")), ' (GPL-2), ',
    R.version.string, '","series":{', paste(out, collapse = ","), '}}\n', sep = "")
