# The real VPP build tests run (SPEC §6): ${CNFCTL_SHARED_DIR}/vpp/*.tar.xz, checked against the
# sha256 in the README beside it and extracted once into ${CMAKE_BINARY_DIR}/vpp (re-extracted
# only when the archive or its README changes). The build tree, unlike the host's /tmp, is
# visible inside containers made from the host image.
#
# Sets CNFCTL_VPP_ARCHIVE ("" when there is none), CNFCTL_VPP_PREFIX (the extracted `vpp/`
# folder: bin/vpp, lib/..., share/vpp/api), CNFCTL_VPP_STAMP (written once extracted) and, with
# an archive, the target cnfctl_vpp_build.
set(CNFCTL_VPP_PREFIX "${CMAKE_BINARY_DIR}/vpp/tree/vpp")
set(CNFCTL_VPP_STAMP "${CMAKE_BINARY_DIR}/vpp/extracted.stamp")
set(CNFCTL_VPP_ARCHIVE "")
file(GLOB vpp_archives "${CNFCTL_SHARED_DIR}/vpp/*.tar.xz")
list(SORT vpp_archives)
list(LENGTH vpp_archives vpp_archive_count)
if(vpp_archive_count GREATER 1)
  message(WARNING "several VPP archives in ${CNFCTL_SHARED_DIR}/vpp; using the last: "
                  "${vpp_archives}")
endif()
if(vpp_archive_count GREATER 0)
  list(GET vpp_archives -1 CNFCTL_VPP_ARCHIVE)
  add_custom_command(
    OUTPUT "${CNFCTL_VPP_STAMP}"
    COMMAND "${CMAKE_COMMAND}" "-DARCHIVE=${CNFCTL_VPP_ARCHIVE}"
            "-DREADME=${CNFCTL_SHARED_DIR}/vpp/README.md" "-DDEST=${CMAKE_BINARY_DIR}/vpp/tree"
            "-DSTAMP=${CNFCTL_VPP_STAMP}" -P "${CMAKE_SOURCE_DIR}/cmake/extract_vpp.cmake"
    DEPENDS "${CNFCTL_VPP_ARCHIVE}" "${CNFCTL_SHARED_DIR}/vpp/README.md"
            "${CMAKE_SOURCE_DIR}/cmake/extract_vpp.cmake"
    COMMENT "Checking and extracting the VPP build ${CNFCTL_VPP_ARCHIVE}"
    VERBATIM)
  add_custom_target(cnfctl_vpp_build ALL DEPENDS "${CNFCTL_VPP_STAMP}")
endif()
