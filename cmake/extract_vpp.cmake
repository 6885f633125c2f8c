# cmake -DARCHIVE=<vpp-*.tar.xz> -DREADME=<README.md beside it> -DDEST=<dir> -DSTAMP=<file>
#   -P extract_vpp.cmake
# Checks the archive against the sha256 its README gives ("sha256 `<hex>`"), then extracts it
# into DEST (its one top-level folder `vpp/` becomes DEST/vpp) and writes STAMP. A mismatch or a
# broken archive is an error and leaves no stamp, so the build (and every real-VPP test) fails.
foreach(var ARCHIVE README DEST STAMP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "extract_vpp.cmake: ${var} is not set")
  endif()
endforeach()
file(REMOVE "${STAMP}")
if(NOT EXISTS "${README}")
  message(FATAL_ERROR "VPP archive ${ARCHIVE}: no ${README} giving its sha256")
endif()
file(READ "${README}" readme)
string(REGEX MATCH "sha256 `([0-9a-f]+)`" _ "${readme}")
set(expected "${CMAKE_MATCH_1}")
string(LENGTH "${expected}" expected_length)
if(NOT expected_length EQUAL 64)
  message(FATAL_ERROR "VPP archive ${ARCHIVE}: ${README} gives no sha256 (\"sha256 `<hex>`\")")
endif()
file(SHA256 "${ARCHIVE}" actual)
if(NOT actual STREQUAL expected)
  message(FATAL_ERROR "VPP archive ${ARCHIVE}: sha256 ${actual}, its README says ${expected}")
endif()
file(REMOVE_RECURSE "${DEST}")
file(MAKE_DIRECTORY "${DEST}")
execute_process(COMMAND "${CMAKE_COMMAND}" -E tar xf "${ARCHIVE}" WORKING_DIRECTORY "${DEST}"
                RESULT_VARIABLE result ERROR_VARIABLE error)
if(NOT result EQUAL 0 OR NOT EXISTS "${DEST}/vpp/bin/vpp")
  file(REMOVE_RECURSE "${DEST}")
  message(FATAL_ERROR "VPP archive ${ARCHIVE}: extraction failed (${result}): ${error}")
endif()
file(WRITE "${STAMP}" "${ARCHIVE} ${actual}\n")
