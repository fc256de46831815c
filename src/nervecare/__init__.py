"""nervecare: safety triage and recovery support after lumbar spine surgery."""
