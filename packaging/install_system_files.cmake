# Installs troupe's systemd units and their configuration (install(SCRIPT) from
# packaging/CMakeLists.txt). It runs at install time because only then is the
# prefix known (`cmake --install build --prefix X`, or /usr when cpack builds the
# Debian package), and the units must name the installed binary and files.
# Expects TROUPE_PACKAGING_DIR (this folder) and TROUPE_UNIT_WORK_DIR (a build folder).

# GNU's rule (GNUInstallDirs): the prefix /usr keeps its configuration in /etc,
# any other prefix in PREFIX/etc.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(TROUPE_ETC /etc/troupe)
else()
  set(TROUPE_ETC "${CMAKE_INSTALL_PREFIX}/etc/troupe")
endif()
set(TROUPE_BIN "${CMAKE_INSTALL_PREFIX}/bin")
set(TROUPE_DOC "${CMAKE_INSTALL_PREFIX}/share/doc/troupe")

foreach(unit troupe-scheduler.service troupe-node@.service)
  configure_file("${TROUPE_PACKAGING_DIR}/systemd/${unit}.in" "${TROUPE_UNIT_WORK_DIR}/${unit}" @ONLY)
  file(INSTALL "${TROUPE_UNIT_WORK_DIR}/${unit}" DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endforeach()

# An administrator's edits survive a reinstall into the same prefix (the Debian
# package marks these files as conffiles, so dpkg keeps them too).
foreach(ini scheduler.ini node-1.ini)
  if(EXISTS "$ENV{DESTDIR}${TROUPE_ETC}/${ini}")
    message(STATUS "Keeping: $ENV{DESTDIR}${TROUPE_ETC}/${ini}")
  else()
    file(INSTALL "${TROUPE_PACKAGING_DIR}/etc/${ini}" DESTINATION "${TROUPE_ETC}")
  endif()
endforeach()
