# Per-module include directories: a module sees the public headers of the modules it links, and no
# module sees another module's detail/ (STYLE.md, "Layout and dependency direction").
#
#   scimgate_module(<target> <dir>)
#
# <dir> is the module's folder relative to the project root ("ldap", "policy/mfa"). Its headers
# keep their spelling ("ldap/directory.h", "ldap/detail/pool.h") but are reached through symlinks
# in the build tree instead of through the project root:
#
#   <dir>/*.h            -> ${CMAKE_BINARY_DIR}/include/<target>/<dir>/*.h         PUBLIC
#   <dir>/detail/**/*.h  -> ${CMAKE_BINARY_DIR}/include-detail/<target>/<dir>/detail/  PRIVATE
#
# So a target finds "ldap/directory.h" only when it links scimgate::ldap (directly, or through a
# PUBLIC link of something it links), and only scimgate_ldap itself finds "ldap/detail/pool.h".
# Subfolders other than detail/ belong to other modules (policy/mfa is not part of policy).
# The globs are CONFIGURE_DEPENDS: a new, renamed or deleted header is picked up by the next build
# without touching CMake files. The links point at the sources, so editing a header rebuilds
# what includes it, and compiler messages name the build tree's path to the same file.
#
# A header-only module is an INTERFACE library; its headers become INTERFACE include
# directories, and its detail/ headers (if any) are staged with the public ones, since its
# users compile them:
#
#   add_library(scimgate_common INTERFACE)
#   add_library(scimgate::common ALIAS scimgate_common)
#   scimgate_module(scimgate_common common)
function(scimgate_module target dir)
  set(source "${PROJECT_SOURCE_DIR}/${dir}")
  if(NOT IS_DIRECTORY "${source}")
    message(FATAL_ERROR "scimgate_module(${target} ${dir}): ${source} is not a folder")
  endif()
  get_target_property(type ${target} TYPE)

  file(GLOB public_headers CONFIGURE_DEPENDS RELATIVE "${source}" "${source}/*.h")
  file(GLOB_RECURSE detail_headers CONFIGURE_DEPENDS RELATIVE "${source}" "${source}/detail/*.h")

  set(public_root "${CMAKE_BINARY_DIR}/include/${target}")
  set(detail_root "${CMAKE_BINARY_DIR}/include-detail/${target}")
  if(type STREQUAL "INTERFACE_LIBRARY")
    set(detail_root "${public_root}")
  endif()
  # Staged afresh at each configure, so a deleted or renamed header leaves no stale link behind.
  # (Make and Ninja look at the file a link points to, so new links rebuild nothing.)
  file(REMOVE_RECURSE "${public_root}" "${detail_root}")
  foreach(header IN LISTS public_headers)
    _scimgate_stage_header("${source}/${header}" "${public_root}/${dir}/${header}")
  endforeach()
  foreach(header IN LISTS detail_headers)
    _scimgate_stage_header("${source}/${header}" "${detail_root}/${dir}/${header}")
  endforeach()

  if(type STREQUAL "INTERFACE_LIBRARY")
    target_include_directories(${target} INTERFACE "${public_root}")
  else()
    target_include_directories(${target} PUBLIC "${public_root}" PRIVATE "${detail_root}")
  endif()
  # For scimgate_test_sees_detail() below.
  set_target_properties(${target} PROPERTIES SCIMGATE_DETAIL_INCLUDE_DIR "${detail_root}")
endfunction()

function(_scimgate_stage_header from to)
  cmake_path(GET to PARENT_PATH folder)
  file(MAKE_DIRECTORY "${folder}")
  file(CREATE_LINK "${from}" "${to}" SYMBOLIC)
endfunction()

# scimgate_test_sees_detail(<test-target> <module-target>): lets the tests of a module include
# its detail/ headers (STYLE.md allows it for tests only; production modules never do this).
function(scimgate_test_sees_detail test module)
  target_include_directories(${test} PRIVATE
                             "$<TARGET_PROPERTY:${module},SCIMGATE_DETAIL_INCLUDE_DIR>")
endfunction()
