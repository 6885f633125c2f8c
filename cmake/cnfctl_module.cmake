# cnfctl_module(NAME <name> SOURCES <files...> [DEPS <targets...>])
#   A static library cnfctl_<name>; headers are included as "<module>/<file>.h" from src/.
function(cnfctl_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_library(cnfctl_${M_NAME} STATIC ${M_SOURCES})
  target_include_directories(cnfctl_${M_NAME} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(cnfctl_${M_NAME} PUBLIC ${M_DEPS})
endfunction()

# cnfctl_tests(NAME <name> SOURCES <files...> [DEPS <targets...>])
#   A GoogleTest executable cnfctl_<name>_tests, its tests registered with CTest.
#   Tests get CNFCTL_SHARED_DIR and CNFCTL_SOURCE_DIR as compile definitions.
function(cnfctl_tests)
  if(NOT CNFCTL_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_executable(cnfctl_${T_NAME}_tests ${T_SOURCES})
  target_link_libraries(cnfctl_${T_NAME}_tests PRIVATE ${T_DEPS} GTest::gtest GTest::gmock
                                                       GTest::gtest_main)
  if(CNFCTL_FUZZ)
    # The sanitizer build of CI (clang, shared with the fuzzers): the tests' own sources need
    # no fuzzing coverage and no optimisation, and compile about 3 times faster without (5 vs 16
    # CPU-s for nf_affinity_test.cc). ASan+UBSan stay on; the product code they test keeps the
    # build's -O1 and coverage.
    target_compile_options(cnfctl_${T_NAME}_tests PRIVATE -O0 -fno-sanitize=fuzzer-no-link)
  endif()
  target_compile_definitions(cnfctl_${T_NAME}_tests PRIVATE
      CNFCTL_SHARED_DIR="${CNFCTL_SHARED_DIR}" CNFCTL_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
      CNFCTL_BINARY_DIR="${CMAKE_BINARY_DIR}")
  gtest_discover_tests(cnfctl_${T_NAME}_tests DISCOVERY_TIMEOUT 60
                       PROPERTIES LABELS ${T_NAME})
endfunction()
