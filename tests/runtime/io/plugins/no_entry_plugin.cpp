// A test plugin without the troupe_plugin_init entry point.
extern "C" int troupe_test_not_an_entry_point() {
  return 1;
}
