# Kernel test of virtual-server features (groups, follow_instance, live counters in status and
# /metrics): the real hadirectord with VRRP in a namespace of the qemu VM (tests/kernel/vm-run.sh).
# Include from tests/CMakeLists.txt after tests.cmake. Root only: vm-run.sh exits 77 (SKIP).
add_test(NAME kernel.features
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/vm-run.sh --timeout 240 --
                 ${CMAKE_CURRENT_LIST_DIR}/features.guest.sh ${PROJECT_BINARY_DIR}
         WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(kernel.features PROPERTIES LABELS kernel TIMEOUT 300 SKIP_RETURN_CODE 77
                     RUN_SERIAL TRUE)
