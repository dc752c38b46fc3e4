"""Baton on a local LocalStack: `make demo` (`demo`), what applies the stacks to it (`deploy`, with the
offline provider lookup in `provider_mirror`) and the clients that look at what they created (`session`).

Runs on a workstation, never in the function: it needs the repository's `terraform/` and `dist/`, terraform
on PATH and the `local` extra (`pip install -e '.[local]'`: rich and localstack-client), and `consumer/local`
is left out of the Lambda artifact. The end-to-end tests (tests/integration) and the proof harness
(tests/bench) deploy with the same `deploy.Deployment`.
"""
