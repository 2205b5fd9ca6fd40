#pragma once
// A Beast SyncReadStream over bytes in memory that hands them out at most `chunk` at a time,
// as a socket does with a slow or fragmenting client, then reports end of file.
#include <algorithm>
#include <cstddef>
#include <string_view>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>

namespace ocrserve::fuzz {

class MemoryStream {
 public:
  MemoryStream(std::string_view bytes, size_t chunk) : bytes_(bytes), chunk_(std::max<size_t>(chunk, 1)) {}

  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers, boost::system::error_code& error) {
    error = {};
    if (bytes_.empty()) {
      error = boost::asio::error::eof;
      return 0;
    }
    const size_t limit = std::min(chunk_, bytes_.size());
    const size_t copied = boost::asio::buffer_copy(buffers, boost::asio::buffer(bytes_.data(), limit));
    bytes_.remove_prefix(copied);
    return copied;
  }

  template <class MutableBuffers>
  size_t read_some(const MutableBuffers& buffers) {
    boost::system::error_code error;
    const size_t copied = read_some(buffers, error);
    if (error) throw boost::system::system_error(error);
    return copied;
  }

 private:
  std::string_view bytes_;
  size_t chunk_;
};

}  // namespace ocrserve::fuzz
