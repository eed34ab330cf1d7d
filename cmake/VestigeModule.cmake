# vestige_add_module(<Name> [DEPENDS <Module>...] [PRIVATE_LIBS <target>...] [PUBLIC_LIBS <target>...])
#
# Declares library vestige_<name> (alias vestige::<Name>) from Modules/<Name>/src/*.cpp with public headers in
# Modules/<Name>/include/vestige/<name>/. DEPENDS lists Vestige modules; the layering is enforced: a module may
# depend only on modules declared before it in VESTIGE_MODULE_ORDER.
set(VESTIGE_MODULE_ORDER Core Dicom Phantom Registration Segmentation Lesions Planning Visualization Report)

function(vestige_add_module name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;PRIVATE_LIBS;PUBLIC_LIBS" ${ARGN})
  string(TOLOWER "${name}" lower)
  list(FIND VESTIGE_MODULE_ORDER ${name} self_rank)
  if(self_rank EQUAL -1)
    message(FATAL_ERROR "Module ${name} is not in VESTIGE_MODULE_ORDER")
  endif()
  foreach(dep IN LISTS ARG_DEPENDS)
    list(FIND VESTIGE_MODULE_ORDER ${dep} dep_rank)
    if(dep_rank EQUAL -1 OR NOT dep_rank LESS self_rank)
      message(FATAL_ERROR "Module ${name} may not depend on ${dep}: dependencies point down the ladder "
                          "${VESTIGE_MODULE_ORDER}")
    endif()
  endforeach()
  file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/src/*.cpp")
  add_library(vestige_${lower} STATIC ${sources})
  add_library(vestige::${name} ALIAS vestige_${lower})
  target_include_directories(vestige_${lower} PUBLIC "${CMAKE_CURRENT_SOURCE_DIR}/include"
                                              PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}/src")
  set(deps "")
  foreach(dep IN LISTS ARG_DEPENDS)
    list(APPEND deps vestige::${dep})
  endforeach()
  target_link_libraries(vestige_${lower} PUBLIC ${deps} ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
  vestige_set_warnings(vestige_${lower})
  if(EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/test/CMakeLists.txt")
    add_subdirectory(test)
  endif()
endfunction()

function(vestige_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-deprecated-copy)
  if(VESTIGE_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# vestige_add_gtest(<name> SOURCES ... LIBS ... [LABELS ...] [DATA] [TIMEOUT s])
# One GoogleTest executable registered as one CTest test. DATA marks tests that need ../shared/data: they
# require the unpack fixture and report "skipped" (not passed) when the data is absent.
function(vestige_add_gtest name)
  cmake_parse_arguments(ARG "DATA" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} vestige_testing GTest::gtest_main)
  vestige_set_warnings(${name})
  add_test(NAME ${name} COMMAND ${name})
  set(labels ${ARG_LABELS})
  if(ARG_DATA)
    list(APPEND labels data)
    if(VESTIGE_HAVE_SHARED_DATA)
      set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED vestige_testdata)
    endif()
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT ${ARG_TIMEOUT}
    SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\] [0-9]+ test"
    ENVIRONMENT "VESTIGE_TESTDATA_DIR=${VESTIGE_TESTDATA_DIR};VESTIGE_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

# vestige_add_module_tests(<Name> LIBS ...): one CTest test per Modules/<Name>/test/*_test.cpp, named
# <name>.<file stem>. Suffixes select labels: *_data_test.cpp needs ../shared/data (label 'data', skipped when
# absent), *_slow_test.cpp is labelled 'slow'. Every test also carries the module's name as label.
function(vestige_add_module_tests name)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  string(TOLOWER "${name}" lower)
  file(GLOB tests CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*_test.cpp")
  foreach(source IN LISTS tests)
    get_filename_component(stem "${source}" NAME_WE)
    set(extra "")
    set(labels ${lower})
    if(stem MATCHES "_data_test$")
      set(extra DATA)
    endif()
    if(stem MATCHES "_slow_test$")
      list(APPEND labels slow)
    endif()
    vestige_add_gtest(${lower}.${stem} SOURCES "${source}" LIBS vestige::${name} ${ARG_LIBS} LABELS ${labels} ${extra})
  endforeach()
endfunction()
