# Runs at install time: installs kizuna.conf and the systemd unit. Their places depend on the
# prefix chosen then (cmake --install --prefix P, or /usr inside the .deb): the config goes
# to /etc when the prefix is /usr, as Debian wants, else to P/etc; the unit names both paths.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(KIZUNA_SYSCONFDIR /etc)
else()
  set(KIZUNA_SYSCONFDIR ${CMAKE_INSTALL_PREFIX}/etc)
endif()
set(KIZUNA_BINDIR ${CMAKE_INSTALL_PREFIX}/bin)
configure_file(${KIZUNA_PACKAGING_DIR}/kizuna.service.in ${KIZUNA_GENERATED_DIR}/kizuna.service
  @ONLY)
file(INSTALL ${KIZUNA_GENERATED_DIR}/kizuna.conf DESTINATION ${KIZUNA_SYSCONFDIR}/kizuna)
file(INSTALL ${KIZUNA_GENERATED_DIR}/kizuna.service
  DESTINATION ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
