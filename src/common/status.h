// Recoverable failures as values.
//
// `Status` says whether an operation succeeded and, if not, why; `Result<T>`
// carries either a T or the reason there is none. Both are [[nodiscard]]: an
// ignored error is a bug. Messages are for people: they say what was being
// tried and the system's reason ("reading model.hmdl: line 4: ..."), and each
// layer that passes an error up may prefix its own context with `Annotate`.
#ifndef HEIMDALL_COMMON_STATUS_H_
#define HEIMDALL_COMMON_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <fmt/format.h>

namespace heimdall {

// The reason an operation failed. Plain data: copyable, comparable by text.
class Error {
 public:
  explicit Error(std::string message) : message_(std::move(message)) {}

  const std::string& message() const { return message_; }

  // Returns this error with "context: " in front of its message.
  Error Annotate(std::string_view context) const {
    return Error(fmt::format("{}: {}", context, message_));
  }

 private:
  std::string message_;
};

// Builds an Error from a fmt format string.
template <typename... Args>
Error MakeError(fmt::format_string<Args...> format, Args&&... args) {
  return Error(fmt::format(format, std::forward<Args>(args)...));
}

class [[nodiscard]] Status {
 public:
  Status() = default;  // Success.
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit.

  static Status Ok() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  // Precondition: !ok().
  const Error& error() const {
    assert(error_.has_value());
    return *error_;
  }
  // The error text, or "OK".
  std::string ToString() const { return ok() ? "OK" : error_->message(); }

  Status Annotate(std::string_view context) const {
    return ok() ? *this : Status(error_->Annotate(context));
  }

 private:
  std::optional<Error> error_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}      // NOLINT: implicit.
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit.
  // Precondition: !status.ok().
  Result(Status status) : state_(status.error()) {}  // NOLINT: implicit.

  bool ok() const { return std::holds_alternative<T>(state_); }

  // Preconditions: ok().
  const T& value() const& { return Checked(); }
  T& value() & { return Checked(); }
  T&& value() && { return std::move(Checked()); }
  const T& operator*() const& { return Checked(); }
  T& operator*() & { return Checked(); }
  const T* operator->() const { return &Checked(); }
  T* operator->() { return &Checked(); }

  // Precondition: !ok().
  const Error& error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }
  // The outcome without the value.
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  T& Checked() {
    assert(ok());
    return std::get<T>(state_);
  }
  const T& Checked() const {
    assert(ok());
    return std::get<T>(state_);
  }

  std::variant<T, Error> state_;
};

}  // namespace heimdall

// Returns the error of `expr` (a Status or Result) from the enclosing
// function if it failed. The temporary's name is unique per use, so nested
// uses do not shadow each other.
#define HEIMDALL_STATUS_CONCAT_INNER_(a, b) a##b
#define HEIMDALL_STATUS_CONCAT_(a, b) HEIMDALL_STATUS_CONCAT_INNER_(a, b)
#define HEIMDALL_RETURN_IF_ERROR(expr) \
  HEIMDALL_RETURN_IF_ERROR_IMPL_(      \
      HEIMDALL_STATUS_CONCAT_(heimdall_status_, __COUNTER__), expr)
#define HEIMDALL_RETURN_IF_ERROR_IMPL_(name, expr) \
  do {                                             \
    if (auto name = (expr); !name.ok()) {          \
      return name.error();                         \
    }                                              \
  } while (false)

#endif  // HEIMDALL_COMMON_STATUS_H_
