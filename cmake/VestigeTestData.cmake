# Real test data stays outside the repository (../shared/data). When its unpack script is present, a CTest
# fixture unpacks every set into the build tree once; tests that need it carry the 'data' label. Without it
# those tests report themselves as skipped with the reason.
set(VESTIGE_TESTDATA_DIR "${CMAKE_BINARY_DIR}/testdata")
if(EXISTS "${VESTIGE_SHARED_DATA}/unpack")
  set(VESTIGE_HAVE_SHARED_DATA TRUE)
  add_test(NAME data.unpack COMMAND "${VESTIGE_SHARED_DATA}/unpack" "${VESTIGE_TESTDATA_DIR}")
  set_tests_properties(data.unpack PROPERTIES FIXTURES_SETUP vestige_testdata LABELS data TIMEOUT 300)
  add_custom_target(testdata COMMAND "${VESTIGE_SHARED_DATA}/unpack" "${VESTIGE_TESTDATA_DIR}"
                    COMMENT "Unpacking ../shared/data into ${VESTIGE_TESTDATA_DIR}")
else()
  set(VESTIGE_HAVE_SHARED_DATA FALSE)
  message(STATUS "No shared test data at ${VESTIGE_SHARED_DATA}: data tests will report 'skipped'")
endif()
