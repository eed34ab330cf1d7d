# cmake -DNPM=<npm> -DPREFIX=<folder> -DVERSION=<version> -P install_gltf_validator.cmake
# Installs gltf-validator@VERSION into PREFIX/node_modules unless that version is already there.
set(package_json "${PREFIX}/node_modules/gltf-validator/package.json")
if(EXISTS "${package_json}")
  file(READ "${package_json}" manifest)
  string(JSON installed ERROR_VARIABLE json_error GET "${manifest}" version)
  if(installed STREQUAL VERSION)
    message(STATUS "gltf-validator ${VERSION} already in ${PREFIX}")
    return()
  endif()
endif()
file(MAKE_DIRECTORY "${PREFIX}")
execute_process(COMMAND "${NPM}" install --prefix "${PREFIX}" --no-save --no-audit --no-fund --no-package-lock
                        "gltf-validator@${VERSION}"
                RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result EQUAL 0 OR NOT EXISTS "${package_json}")
  message(FATAL_ERROR "npm install gltf-validator@${VERSION} into ${PREFIX} failed (${result}):\n${output}")
endif()
message(STATUS "installed gltf-validator ${VERSION} into ${PREFIX}")
