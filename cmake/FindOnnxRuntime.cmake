# Finds ONNX Runtime: ONNXRUNTIME_ROOT (CMake or environment variable) wins, then the copy
# scripts/install_deps.sh unpacks into third_party/onnxruntime, then the system.
# Defines OnnxRuntime::OnnxRuntime and OnnxRuntime_LIBRARY_DIR.
set(_ort_hints)
if(ONNXRUNTIME_ROOT)
  list(APPEND _ort_hints ${ONNXRUNTIME_ROOT})
elseif(DEFINED ENV{ONNXRUNTIME_ROOT})
  list(APPEND _ort_hints $ENV{ONNXRUNTIME_ROOT})
endif()
list(APPEND _ort_hints ${CMAKE_CURRENT_SOURCE_DIR}/third_party/onnxruntime)

find_path(OnnxRuntime_INCLUDE_DIR onnxruntime_cxx_api.h
  HINTS ${_ort_hints} PATH_SUFFIXES include include/onnxruntime include/onnxruntime/core/session)
find_library(OnnxRuntime_LIBRARY NAMES onnxruntime HINTS ${_ort_hints} PATH_SUFFIXES lib lib64)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OnnxRuntime REQUIRED_VARS OnnxRuntime_LIBRARY OnnxRuntime_INCLUDE_DIR)

if(OnnxRuntime_FOUND AND NOT TARGET OnnxRuntime::OnnxRuntime)
  get_filename_component(OnnxRuntime_LIBRARY_DIR ${OnnxRuntime_LIBRARY} DIRECTORY)
  add_library(OnnxRuntime::OnnxRuntime SHARED IMPORTED)
  set_target_properties(OnnxRuntime::OnnxRuntime PROPERTIES
    IMPORTED_LOCATION ${OnnxRuntime_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${OnnxRuntime_INCLUDE_DIR})
endif()
