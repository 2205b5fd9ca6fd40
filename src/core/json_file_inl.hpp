#pragma once
#include "ocrserve/error.hpp"

namespace ocrserve {

template <typename T>
T required_field(const Json& object, const char* key, const std::string& where) {
  if (!object.is_object() || !object.contains(key)) {
    throw Error(ErrorKind::bad_input, where + ": missing field \"" + key + "\"");
  }
  try {
    return object.at(key).get<T>();
  } catch (const Json::exception&) {
    throw Error(ErrorKind::bad_input, where + ": field \"" + key + "\" has the wrong type (" +
                                          object.at(key).type_name() + "): " + object.at(key).dump());
  }
}

template <typename T>
T optional_field(const Json& object, const char* key, const T& fallback, const std::string& where) {
  if (!object.is_object() || !object.contains(key) || object.at(key).is_null()) return fallback;
  return required_field<T>(object, key, where);
}

}  // namespace ocrserve
