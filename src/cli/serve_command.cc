#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "cli/signals.h"
#include "http/server.h"
#include "model/model_file.h"
#include "service/prediction_service.h"

namespace heimdall::cli {
namespace {

struct ServeFlags {
  std::string model_path;
  std::string bind = "127.0.0.1";
  uint16_t port = 5002;
  int threads = 2;
  size_t max_body_bytes = 1 << 20;
  size_t max_batch = 100'000;
};

Result<int> RunServe(const ServeFlags& flags) {
  Result<model::Model> model = model::LoadModel(flags.model_path);
  if (!model.ok()) return model.error();
  spdlog::info("model {} loaded: features {}, {} support vectors",
               flags.model_path, fmt::join(model->features(), ","),
               model->num_support_vectors());

  service::PredictionService service(std::move(model).value(),
                                     {.max_batch = flags.max_batch});
  http::Router router;
  service.Register(router);
  http::ServerOptions options;
  options.bind = flags.bind;
  options.port = flags.port;
  options.threads = flags.threads;
  options.max_body_bytes = flags.max_body_bytes;
  options.on_reject = [&service](std::string_view reason) {
    service.OnReject(reason);
  };

  TakeOverSignals();
  Result<std::unique_ptr<http::Server>> server =
      http::Server::Start(std::move(options), std::move(router));
  if (!server.ok()) return server.error();
  const int signal = WaitForTerminationSignal();
  spdlog::info("signal {} received, stopping", signal);
  (*server)->Stop();
  return 0;
}

}  // namespace

Command AddServeCommand(CLI::App& root) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* app = root.add_subcommand(
      "serve", "Serve failure predictions over HTTP (POST /predict).");
  app->add_option("--model", flags->model_path, "Model file from `train`")
      ->required();
  app->add_option("--bind", flags->bind, "Address to listen on")
      ->capture_default_str();
  app->add_option("--port", flags->port, "Port to listen on (0: any free)")
      ->capture_default_str();
  app->add_option("--threads", flags->threads, "Worker threads")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app->add_option("--max-body", flags->max_body_bytes,
                  "Largest request body in bytes")
      ->check(CLI::Range(size_t{64}, size_t{256} << 20))
      ->capture_default_str();
  app->add_option("--max-batch", flags->max_batch,
                  "Most readings in one /predict/batch request")
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}))
      ->capture_default_str();
  return {app, [flags] { return RunServe(*flags); }};
}

}  // namespace heimdall::cli
