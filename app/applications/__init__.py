"""My applications: tracking, withdrawing, 补正 supplements and 好差评 ratings."""
