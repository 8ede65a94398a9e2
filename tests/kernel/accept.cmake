# Kernel test of VRRP accept mode with real IPVS: the daemon's nftables table runs before IPVS
# and lets only the configured services on a non-accept VIP through (tests/kernel/vm-run.sh).
# Include from tests/CMakeLists.txt after tests.cmake. Root only: vm-run.sh exits 77 (SKIP).
add_test(NAME kernel.accept
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/vm-run.sh --timeout 240 --
                 ${CMAKE_CURRENT_LIST_DIR}/accept.guest.sh ${PROJECT_BINARY_DIR}
         WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(kernel.accept PROPERTIES LABELS kernel TIMEOUT 300 SKIP_RETURN_CODE 77
                     RUN_SERIAL TRUE)
