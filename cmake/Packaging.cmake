# The install layout and the Debian package (issue #17 item 7).
#
#   <prefix>/bin/scimgate
#   <prefix>/share/scimgate/console/            the web console (found by default: config.cpp)
#   <prefix>/share/scimgate/templates/          the mail templates (found by default: config.cpp)
#   <prefix>/share/scimgate/ldap/schema/        scimgate.schema (OpenLDAP), 99scimgate.ldif (389)
#   <prefix>/share/scimgate/tools/ad-schema.sh  the schema as an Active Directory extension
#   <prefix>/share/doc/scimgate/                README.md, scimgate.example.json (every key)
#   /etc/scimgate/scimgate.json                 conffile: loopback listener, no token, no secrets
#   /etc/logrotate.d/scimgate                   conffile: rotates /var/log/scimgate/*.log
#   /lib/systemd/system/scimgate.service
#
# The last three are absolute: stage an install with DESTDIR (DESTDIR=/tmp/x cmake --install
# build), since `--prefix` moves only the others.
#   cpack -G DEB --config build/CPackConfig.cmake -B OUTDIR   builds scimgate_<version>-1_<arch>.deb
# from what the build folder holds (build the scimgate and scimgate_schema_389 targets first).

include(GNUInstallDirs)

# cpack and `make install` install what is built instead of building everything first (cpack's
# preinstall step would otherwise build every test): the packaging test packages the build folder
# it runs in, and of what is installed only the binary and the 389 schema are built at all.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

# config/CMakeLists.txt tells the binary where these are, relative to its own folder.
set(SCIMGATE_DATADIR ${CMAKE_INSTALL_DATADIR}/scimgate)

install(TARGETS scimgate RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/console/ DESTINATION ${SCIMGATE_DATADIR}/console)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/mail/templates/ DESTINATION ${SCIMGATE_DATADIR}/templates)

# 389's form of the schema, converted by the same code as tools/389ds-env.sh uses.
set(SCIMGATE_SCHEMA_389 ${CMAKE_CURRENT_BINARY_DIR}/packaging/99scimgate.ldif)
add_custom_command(OUTPUT ${SCIMGATE_SCHEMA_389}
  COMMAND ${PROJECT_SOURCE_DIR}/packaging/schema-389.sh ${SCIMGATE_SCHEMA_389}
  DEPENDS ${PROJECT_SOURCE_DIR}/packaging/schema-389.sh ${PROJECT_SOURCE_DIR}/tools/389ds-env.sh
          ${PROJECT_SOURCE_DIR}/ldap/schema/scimgate.schema
  COMMENT "Converting scimgate.schema to 389's LDIF")
add_custom_target(scimgate_schema_389 ALL DEPENDS ${SCIMGATE_SCHEMA_389})
install(FILES ${PROJECT_SOURCE_DIR}/ldap/schema/scimgate.schema ${SCIMGATE_SCHEMA_389}
        DESTINATION ${SCIMGATE_DATADIR}/ldap/schema)
# ad-schema.sh finds the schema at ../ldap/schema/scimgate.schema, as in the source tree.
install(PROGRAMS ${PROJECT_SOURCE_DIR}/tools/ad-schema.sh DESTINATION ${SCIMGATE_DATADIR}/tools)

install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/scimgate.example.json
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The config may come to hold the bind password: not world-readable (postinst gives it to the
# scimgate group).
install(FILES ${PROJECT_SOURCE_DIR}/packaging/scimgate.json DESTINATION /etc/scimgate
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/scimgate.logrotate DESTINATION /etc/logrotate.d
        RENAME scimgate)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/scimgate.service DESTINATION /lib/systemd/system)

# The Debian package.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME scimgate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)  # the prefix CPACK_SET_DESTDIR installs with
set(CPACK_SET_DESTDIR ON)  # the absolute /etc and /lib paths go into the package too
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CONTACT "scimgate maintainers <maintainers@users.noreply.b-seed-a41a60f4.example>"
    CACHE STRING "The Debian package's Maintainer field")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "SCIM 2.0 provisioning gateway to an LDAP directory")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "SCIM 2.0 provisioning gateway to an LDAP directory
 scimgate receives users, groups, roles and account status from identity
 providers and HR systems (Entra ID, Okta, ...) over SCIM 2.0 and writes them
 into OpenLDAP, 389 Directory Server or Active Directory, enforcing roles,
 password rules and a second factor (TOTP, backup codes) on the way.
 .
 This package holds the gateway, its web console, mail templates, the LDAP
 schema for each directory and a sandboxed systemd service.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)        # dpkg-shlibdeps (dpkg-dev) appends the libraries
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")   # postinst creates the scimgate account with it
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "logrotate")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "ldap-utils")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/deb/conffiles ${PROJECT_SOURCE_DIR}/packaging/deb/postinst
    ${PROJECT_SOURCE_DIR}/packaging/deb/prerm ${PROJECT_SOURCE_DIR}/packaging/deb/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
