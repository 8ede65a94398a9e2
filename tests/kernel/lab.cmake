# The lab (scripts/lab.sh) in its short mode as a kernel test: the NAT director pair of
# etc/nat-pair-lb{1,2}.yaml with a client and three real servers in namespaces of the qemu VM,
# walked through spread, server stop, master kill, return, reload and drain; fails if any
# step's expectation fails. Include from tests/CMakeLists.txt. Root only: exits 77 (SKIP).
add_executable(lab_net ${PROJECT_SOURCE_DIR}/scripts/lab/lab_net.cc)
add_test(NAME kernel.lab
         COMMAND ${PROJECT_SOURCE_DIR}/scripts/lab.sh --quick --no-build
                 --build-dir ${PROJECT_BINARY_DIR}
         WORKING_DIRECTORY ${PROJECT_BINARY_DIR})
set_tests_properties(kernel.lab PROPERTIES LABELS kernel TIMEOUT 360 SKIP_RETURN_CODE 77
                     RUN_SERIAL TRUE)
