"""The ``riskwire`` command line: what operators and analysts run against a pipeline (broker,
worker, topics, feeds, dead letters, lag, the demo). The worker never imports it."""
