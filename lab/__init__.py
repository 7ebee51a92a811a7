"""What the worker never imports: fault scenarios, the output verifier and other lab tools."""
