# cmake -DBUILD_DIR=<build tree> -DTARGET=<layering target> -DSOURCE_DIR=<project root>
#       -DHEADER=<header as included> -DVERDICT=ALLOWED|FORBIDDEN -P expect_build.cmake
#
# Builds TARGET (a one-line source that includes HEADER) and judges the outcome:
#   ALLOWED    the build succeeds;
#   FORBIDDEN  the build fails, and the compiler says it is because HEADER was not found. Any
#              other failure (a syntax error, a missing library) fails the test, so it cannot pass
#              for the wrong reason.
foreach(var BUILD_DIR TARGET SOURCE_DIR HEADER VERDICT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "expect_build.cmake: -D${var}=... is missing")
  endif()
endforeach()

# A case about a header that no longer exists would pass for the wrong reason.
if(NOT EXISTS "${SOURCE_DIR}/${HEADER}")
  message(FATAL_ERROR "${HEADER} is not in ${SOURCE_DIR}: update tests/layering/CMakeLists.txt")
endif()

execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target "${TARGET}"
                RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE output)

# GCC: "fatal error: ldap/detail/pool.h: No such file or directory"
# Clang: "fatal error: 'ldap/detail/pool.h' file not found"
string(FIND "${output}" "fatal error: ${HEADER}: No such file or directory" gcc_says)
string(FIND "${output}" "fatal error: '${HEADER}' file not found" clang_says)
if(gcc_says EQUAL -1 AND clang_says EQUAL -1)
  set(not_found FALSE)
else()
  set(not_found TRUE)
endif()

if(VERDICT STREQUAL "ALLOWED")
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${TARGET} should compile (it includes ${HEADER}), but:\n${output}")
  endif()
  message(STATUS "${HEADER} is visible, as it should be")
elseif(VERDICT STREQUAL "FORBIDDEN")
  if(status EQUAL 0)
    message(FATAL_ERROR "${TARGET} compiled, but ${HEADER} should not be visible to it:\n${output}")
  endif()
  if(NOT not_found)
    message(FATAL_ERROR "${TARGET} failed, but not because ${HEADER} was not found:\n${output}")
  endif()
  message(STATUS "${HEADER} is not visible, as it should be:")
  string(REGEX MATCH "[^\n]*fatal error: [^\n]*" line "${output}")
  message(STATUS "${line}")
else()
  message(FATAL_ERROR "VERDICT must be ALLOWED or FORBIDDEN, not '${VERDICT}'")
endif()
