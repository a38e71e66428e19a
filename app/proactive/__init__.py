"""服务找人: services suggested from the citizen's own facts, rules kept as data."""
