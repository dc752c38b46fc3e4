"""The proof harness: Baton against the designs it replaces, and a fault soak that must balance.

`python -m tests.bench.harness run SUITE` deploys the suite's designs to LocalStack with `terraform apply`
(all at once), runs them one after another so they never share the CPU, counts API calls from LocalStack's
request log, and writes JSON plus a Markdown table under tests/bench/results/. Designs and suites are data
(tests/bench/suites.toml), not code.
"""
