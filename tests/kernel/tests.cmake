# Kernel tests: real IPVS in a qemu VM booting Debian's stock kernel (tests/kernel/vm-run.sh).
# Included from tests/CMakeLists.txt. Root only: vm-run.sh exits 77 (SKIP) otherwise.
# vm-run.sh bounds qemu with --timeout; each ctest TIMEOUT is larger so the VM's own message wins.
set(HD_KERNEL_DIR ${CMAKE_CURRENT_LIST_DIR})

add_test(NAME kernel.vm_smoke
         COMMAND ${HD_KERNEL_DIR}/vm-run.sh --timeout 120 -- ${HD_KERNEL_DIR}/ipvs-smoke.guest.sh
         WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(kernel.vm_smoke PROPERTIES LABELS kernel TIMEOUT 180 SKIP_RETURN_CODE 77
                     RUN_SERIAL TRUE)

# LibnlIpvsClient against the real kernel: a gtest binary built on the host, run in the VM.
if(NOT TARGET GTest::gtest_main)
  find_package(GTest REQUIRED)
endif()
file(GLOB HD_KERNEL_TEST_SRC CONFIGURE_DEPENDS ${HD_KERNEL_DIR}/*_test.cc)
add_executable(kernel_ipvs_client_test ${HD_KERNEL_TEST_SRC})
target_link_libraries(kernel_ipvs_client_test PRIVATE hd_ipvs GTest::gtest_main)
add_test(NAME kernel.ipvs_client
         COMMAND ${HD_KERNEL_DIR}/vm-run.sh --timeout 240 -- $<TARGET_FILE:kernel_ipvs_client_test>
         WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(kernel.ipvs_client PROPERTIES LABELS kernel TIMEOUT 300 SKIP_RETURN_CODE 77
                     RUN_SERIAL TRUE)
