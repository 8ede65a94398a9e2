# Kernel test of the checker worker's IPVS reconcile: the real hadirectord in a namespace of the
# qemu VM (tests/kernel/vm-run.sh), real servers in another. Include from tests/CMakeLists.txt
# after tests.cmake. Root only: vm-run.sh exits 77 (SKIP) otherwise.
add_test(NAME kernel.reconcile
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/vm-run.sh --timeout 240 --
                 ${CMAKE_CURRENT_LIST_DIR}/reconcile.guest.sh ${PROJECT_BINARY_DIR}
         WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(kernel.reconcile PROPERTIES LABELS kernel TIMEOUT 300 SKIP_RETURN_CODE 77
                     RUN_SERIAL TRUE)
