/* alcn_report_tool: a stand-alone `report` command for the tests and for use
 * until `alcnbench report` dispatches to alcn_report_main. */
#include "alcn/report.h"

int main(int argc, char **argv) {
  return alcn_report_main(argc, argv);
}
