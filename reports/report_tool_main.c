/* alcn_report_tool: a stand-alone `report` command for the tests (the same
 * code as `alcnbench report`). */
#include "alcn/args.h"
#include "alcn/report.h"

int main(int argc, char **argv) {
  alcn_args_take_verbose(&argc, argv);
  return alcn_report_main(argc, argv);
}
