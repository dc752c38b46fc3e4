# The original FIFO design: 5 s function timeout, 30 s visibility timeout (6 x 5), batches of 5 and
# maxReceiveCount 1 (a failed message goes to the DLQ at once). Five messages of up to 0.5 s plus a 0.5 s
# margin fit in the 5 s timeout.
function_timeout           = 5
visibility_timeout_seconds = 30
batch_size                 = 5
max_receive_count          = 1
message_timeout_seconds    = 0.5
safety_margin_seconds      = 0.5
