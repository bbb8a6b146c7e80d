/* alcn_data_tool: a stand-alone `alcnbench data` (same code), for testing the
 * data command end to end: alcn_data_tool info --dataset ... */
#include "alcn/args.h"

int alcn_cmd_data(int argc, char **argv);

int main(int argc, char **argv) {
  alcn_args_take_verbose(&argc, argv);
  char *args[256];
  int n = argc > 255 ? 255 : argc;
  args[0] = "data";
  for (int i = 1; i < n; ++i) args[i] = argv[i];
  args[n] = 0;
  return alcn_cmd_data(n, args);
}
