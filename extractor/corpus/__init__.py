"""Many results in one database: canonical indicators, series over periods, cluster runs."""
