#pragma once
// An error a command has already printed (infer reports each failed image as it goes): main()
// turns it into the exit code without printing it a second time.
#include "ocrserve/error.hpp"

namespace ocrserve {

class ReportedError : public Error {
 public:
  explicit ReportedError(const Error& error) : Error(error) {}
};

}  // namespace ocrserve
