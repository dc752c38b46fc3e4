mock_provider "aws" {}

variables {
  results_table_name     = "jobs-results"
  idempotency_table_name = "jobs-idempotency"
}

run "tables_follow_the_contract" {
  command = plan

  assert {
    condition = output.results_table_key_schema == {
      hash_key  = "pk"
      range_key = "sk"
      global_secondary_indexes = [{
        name            = "recent"
        hash_key        = "day"
        range_key       = "processed_at"
        projection_type = "ALL"
      }]
    }
    error_message = "The results table must be keyed pk/sk with the GSI recent on day/processed_at (projection ALL)."
  }
  assert {
    condition = (
      aws_dynamodb_table.results.billing_mode == "PAY_PER_REQUEST"
      && aws_dynamodb_table.results.point_in_time_recovery[0].enabled
      && aws_dynamodb_table.results.server_side_encryption[0].enabled
    )
    error_message = "The results table must be on-demand with PITR and SSE."
  }
  assert {
    condition = (
      aws_dynamodb_table.idempotency[0].hash_key == "id"
      && aws_dynamodb_table.idempotency[0].ttl[0].attribute_name == "expiration"
      && aws_dynamodb_table.idempotency[0].ttl[0].enabled
      && aws_dynamodb_table.idempotency[0].point_in_time_recovery[0].enabled
      && aws_dynamodb_table.idempotency[0].server_side_encryption[0].enabled
    )
    error_message = "The idempotency table must use the Powertools layout (id, TTL on expiration) with PITR and SSE."
  }
  assert {
    condition     = output.idempotency_table_name == "jobs-idempotency"
    error_message = "The idempotency table name must be reported."
  }
}

run "idempotency_table_is_optional" {
  command = plan
  variables {
    idempotency_table_name = null
  }
  assert {
    condition     = length(aws_dynamodb_table.idempotency) == 0 && output.idempotency_table_name == "" && output.idempotency_table_arn == null
    error_message = "Without a name there is no idempotency table and its name output is empty."
  }
}

run "rejects_same_name_for_both_tables" {
  command = plan
  variables {
    idempotency_table_name = "jobs-results"
  }
  expect_failures = [var.idempotency_table_name]
}

run "rejects_invalid_table_name" {
  command = plan
  variables {
    results_table_name = "jobs results"
  }
  expect_failures = [var.results_table_name]
}
