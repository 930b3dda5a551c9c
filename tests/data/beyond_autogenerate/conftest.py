# The drift fixture projects are data for tests/test_beyond_autogenerate_oracle.py, not tests: their models.py,
# env.py and revision files are imported only by that harness (and by Alembic run on a copy).
collect_ignore_glob = ["*"]
