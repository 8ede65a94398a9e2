# Kernel test of connection sync: two real hadirectord directors in namespaces of the qemu VM
# (tests/kernel/vm-run.sh), a connection through the first must appear in the second's table.
# Include from tests/CMakeLists.txt after tests.cmake. Root only: vm-run.sh exits 77 (SKIP).
add_test(NAME kernel.sync
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/vm-run.sh --timeout 240 --
                 ${CMAKE_CURRENT_LIST_DIR}/sync.guest.sh ${PROJECT_BINARY_DIR}
         WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(kernel.sync PROPERTIES LABELS kernel TIMEOUT 300 SKIP_RETURN_CODE 77
                     RUN_SERIAL TRUE)
