# The projects here are fixtures that the plugin tests copy and run their own tests in;
# the repository's test run must not collect them.
collect_ignore_glob = ["*"]
