# `cmake --install BUILD --prefix PREFIX` and the .deb (cpack): the ocrserve command,
# libocrserve.so with its headers, CMake package and pkg-config file, ONNX Runtime in a private
# folder beside it, the converter and the default models. Everything is found relative to the
# prefix ($ORIGIN RPATHs, share/ocrserve/models), so a prefix can be moved or unpacked anywhere.
include(CMakePackageConfigHelpers)

set(OCRSERVE_PRIVATE_LIBDIR ${CMAKE_INSTALL_LIBDIR}/ocrserve)
set(OCRSERVE_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ocrserve)

install(TARGETS ocrserve RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ocrserve_shared EXPORT ocrserveTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})

# The TorchScript backend module (built where libtorch was found), in lib/ocrserve/ where the core
# looks for it when a package names "torchscript".
if(TARGET ocrserve_torchscript)
  install(TARGETS ocrserve_torchscript LIBRARY DESTINATION ${OCRSERVE_PRIVATE_LIBDIR})
endif()

# ONNX Runtime under its SONAME, in lib/ocrserve/ so that it never clashes with another copy.
file(REAL_PATH ${OnnxRuntime_LIBRARY} _ort_file)
install(FILES ${_ort_file} DESTINATION ${OCRSERVE_PRIVATE_LIBDIR} RENAME libonnxruntime.so.1)

install(DIRECTORY include/ocrserve include/mmdeploy DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/include/ocrserve/version.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/ocrserve)

install(EXPORT ocrserveTargets NAMESPACE ocrserve:: DESTINATION ${OCRSERVE_CMAKEDIR})
configure_package_config_file(cmake/ocrserveConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/ocrserveConfig.cmake
  INSTALL_DESTINATION ${OCRSERVE_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ocrserveConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ocrserveConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/ocrserveConfigVersion.cmake
  DESTINATION ${OCRSERVE_CMAKEDIR})

set(OCRSERVE_PC_SANITIZE "")
if(OCRSERVE_SANITIZE)
  set(OCRSERVE_PC_SANITIZE "-fsanitize=address,undefined")
endif()
# The .pc file finds the prefix from its own place (pkg-config's pcfiledir): relocatable.
file(RELATIVE_PATH OCRSERVE_PC_PREFIX /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
configure_file(cmake/ocrserve.pc.in ${CMAKE_CURRENT_BINARY_DIR}/ocrserve.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ocrserve.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(DIRECTORY tools/convert/ DESTINATION ${CMAKE_INSTALL_DATADIR}/ocrserve/convert
  PATTERN tests EXCLUDE PATTERN __pycache__ EXCLUDE)

# The default models scripts/package_models.sh made (models/ is not in git), and the end-to-end
# "ocr" (and "ocr-int8") folder the server assembles from them, with relative links.
set(OCRSERVE_MODELS_SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/models CACHE PATH "default model packages to install")
foreach(_package ppocr-det ppocr-rec ppocr-cls ppocr-det-int8 ppocr-rec-int8 ppocr-cls-int8)
  install(DIRECTORY ${OCRSERVE_MODELS_SOURCE}/${_package} DESTINATION ${CMAKE_INSTALL_DATADIR}/ocrserve/models OPTIONAL)
endforeach()
install(CODE "
  set(_models \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/ocrserve/models\")
  foreach(_precision \"\" -int8)
    if(EXISTS \"\${_models}/ppocr-det\${_precision}\")
      set(_ocr \"\${_models}/ocr\${_precision}\")
      file(MAKE_DIRECTORY \"\${_ocr}\")
      foreach(_part det rec)
        file(REMOVE \"\${_ocr}/\${_part}\")
        file(CREATE_LINK ../ppocr-\${_part}\${_precision} \"\${_ocr}/\${_part}\" SYMBOLIC)
      endforeach()
    endif()
  endforeach()")

# cpack -G DEB: a Debian package for /usr. Its dependencies are worked out by dpkg-shlibdeps.
set(CPACK_PACKAGE_NAME ocrserve)
set(CPACK_PACKAGE_VENDOR ocrserve)
set(CPACK_PACKAGE_CONTACT "ocrserve maintainers <ocrserve@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "OCR SDK and server for mmdeploy model packages and TorchServe APIs")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${OnnxRuntime_LIBRARY_DIR})
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3-torch, python3-onnx, python3-numpy, python3-opencv")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libopencv-dev")
include(CPack)
