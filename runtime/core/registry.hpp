#pragma once
/// \file
/// A registry of named factories: how troupe's extension points (allocation
/// policies, aggregation strategies, node behaviours) find implementations by
/// the name a job or the command line gives, built-in or added by a plugin.

#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace troupe::runtime {

/// Factories of `Product`, each under a unique name, kept in registration order.
/// Thread-safe. Each registry is one object inside libtroupe_runtime, so that
/// the troupe binary, programs and plugins share it (see the top-level CMakeLists).
template <class Product, class... Args>
class Registry {
 public:
  using Factory = std::function<std::unique_ptr<Product>(Args...)>;

  /// `kind` names the products in error messages ("allocation policy").
  explicit Registry(std::string kind) : kind_(std::move(kind)) {}

  /// Adds `factory` under `name`. Throws std::invalid_argument when the name is
  /// empty or has white space, the factory is empty, or the name is taken.
  void add(const std::string& name, Factory factory) {
    if (name.empty() || name.find_first_of(" \t\r\n,") != std::string::npos)
      throw std::invalid_argument(kind_ + " name '" + name +
                                  "' must be non-empty, without spaces or commas");
    if (!factory) throw std::invalid_argument(kind_ + " '" + name + "': empty factory");
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& entry : entries_)
      if (entry.first == name)
        throw std::invalid_argument(kind_ + " '" + name + "' is already registered");
    entries_.emplace_back(name, std::move(factory));
  }

  /// A new product called `name`; throws std::invalid_argument listing the known names.
  std::unique_ptr<Product> make(const std::string& name, Args... args) const {
    Factory factory;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const auto& entry : entries_)
        if (entry.first == name) factory = entry.second;
    }
    if (!factory)
      throw std::invalid_argument("unknown " + kind_ + " '" + name + "' (known: " + known() + ")");
    auto product = factory(std::forward<Args>(args)...);
    if (!product) throw std::runtime_error(kind_ + " '" + name + "': the factory returned nothing");
    return product;
  }

  bool contains(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& entry : entries_)
      if (entry.first == name) return true;
    return false;
  }

  /// Registered names, in registration order (built-ins first).
  std::vector<std::string> names() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    out.reserve(entries_.size());
    for (const auto& entry : entries_) out.push_back(entry.first);
    return out;
  }

 private:
  std::string known() const {
    std::string out;
    for (const auto& n : names()) out += (out.empty() ? "" : ", ") + n;
    return out;
  }

  std::string kind_;
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, Factory>> entries_;
};

}  // namespace troupe::runtime
