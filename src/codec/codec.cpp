#include "codec/codec.hpp"

#include <variant>

#include "core/registry.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

using AnyCodecFactory = std::variant<DetectionCodecFactory, RecognitionCodecFactory, ClassificationCodecFactory>;
using CodecRegistry = Registry<AnyCodecFactory>;

const AnyCodecFactory& find_codec(const std::string& name, const std::string& where) {
  const AnyCodecFactory* factory = CodecRegistry::instance().find(name);
  if (!factory) {
    throw Error(ErrorKind::unsupported, where + ": unknown postprocessor \"" + name + "\" (known: " +
                                            CodecRegistry::instance().joined_names() + ")");
  }
  return *factory;
}

template <typename Factory>
auto make_codec(const std::string& name, const Json& params, const CodecContext& context,
                const char* task) {
  const Factory* factory = std::get_if<Factory>(&find_codec(name, context.where));
  if (!factory) {
    throw Error(ErrorKind::bad_input,
                context.where + ": postprocessor \"" + name + "\" is not a " + task + " postprocessor");
  }
  return (*factory)(params, context);
}

}  // namespace

CodecRegistration::CodecRegistration(const std::string& name, DetectionCodecFactory factory) {
  CodecRegistry::instance().add(name, std::move(factory));
}
CodecRegistration::CodecRegistration(const std::string& name, RecognitionCodecFactory factory) {
  CodecRegistry::instance().add(name, std::move(factory));
}
CodecRegistration::CodecRegistration(const std::string& name, ClassificationCodecFactory factory) {
  CodecRegistry::instance().add(name, std::move(factory));
}

CodecTask codec_task(const std::string& name, const std::string& where) {
  return static_cast<CodecTask>(find_codec(name, where).index());
}

std::unique_ptr<DetectionCodec> make_detection_codec(const std::string& name, const Json& params,
                                                     const CodecContext& context) {
  return make_codec<DetectionCodecFactory>(name, params, context, "detection");
}
std::unique_ptr<RecognitionCodec> make_recognition_codec(const std::string& name, const Json& params,
                                                         const CodecContext& context) {
  return make_codec<RecognitionCodecFactory>(name, params, context, "recognition");
}
std::unique_ptr<ClassificationCodec> make_classification_codec(const std::string& name,
                                                               const Json& params,
                                                               const CodecContext& context) {
  return make_codec<ClassificationCodecFactory>(name, params, context, "classification");
}

std::vector<std::string> registered_codecs() { return CodecRegistry::instance().names(); }

}  // namespace ocrserve
