# Turns a text file into a C++ source: `const std::string_view ocrserve::NAME` holding the file's
# bytes as a raw string literal. Run at build time (the web page, src/frontend/torchserve/web/index.html):
#   cmake -DINPUT=file -DOUTPUT=file.cpp -DNAME=kName -P cmake/EmbedText.cmake
foreach(variable INPUT OUTPUT NAME)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "EmbedText.cmake: -D${variable}= is missing")
  endif()
endforeach()
file(READ "${INPUT}" text)
set(delimiter "embedded_text")  # at most 16 characters
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains )${delimiter}\" and cannot be embedded as a raw string literal")
endif()
file(WRITE "${OUTPUT}"
  "// Generated from ${INPUT} by cmake/EmbedText.cmake: edit that file, not this one.\n"
  "#include <string_view>\n\n"
  "namespace ocrserve {\n"
  "extern const std::string_view ${NAME};\n"
  "const std::string_view ${NAME} = R\"${delimiter}(${text})${delimiter}\";\n"
  "}  // namespace ocrserve\n")
