#include "models/mlp_step.hpp"

#include <ATen/core/Reduction.h>
#include <c10/core/InferenceMode.h>

#include "models/torch_data.hpp"

namespace troupe::models {
namespace {

constexpr std::int64_t kIgnoreIndex = -100;  // cross_entropy's default

/// The MLP's step as autograd runs it, op for op, without the graph: each
/// kernel writes into a buffer kept between steps. An MLP step on 32 examples
/// is short enough (a few hundred microseconds on one core) that autograd's
/// nodes, the dispatcher's passes and the allocations of every intermediate
/// were a large share of it (bench/train_throughput.sh).
///
/// The forward pass is at::linear's (addmm with the transposed weight), relu,
/// and cross_entropy's log_softmax and nll_loss. The backward pass calls what
/// autograd's formulas for them call (torch/csrc/autograd/FunctionsManual.cpp
/// in LibTorch 1.13): nll_loss_backward, _log_softmax_backward_data, for each
/// layer the weight's gradient as grad^T x (mm_mat2_backward's branch for a
/// transposed weight), the bias's as the sum over the batch kept as one row
/// (at::sum_to), the input's as grad W, and threshold_backward through the
/// relu. tests/models/sgd_loop_test.cpp checks the parameters bit for bit
/// against autograd after many steps.
class MlpStep final : public TrainStep {
 public:
  explicit MlpStep(MlpImpl& net)
      : w1_(net.fc1->weight), b1_(net.fc1->bias), w2_(net.fc2->weight), b2_(net.fc2->bias) {
    const auto options = w1_.options().requires_grad(false);
    one_ = torch::ones({}, options);
    total_weight_ = torch::empty({}, options);
    loss_ = torch::empty({}, options);
  }

  torch::Tensor loss_and_gradients(const torch::Tensor& stored_inputs,
                                   const torch::Tensor& targets) override {
    const std::int64_t rows = stored_inputs.size(0);
    fit(rows);
    // Made once, kept (a run through autograd drops them: run_sgd).
    for (auto* p : {&w1_, &b1_, &w2_, &b2_})
      if (!p->grad().defined()) p->mutable_grad() = torch::empty_like(*p);
    c10::InferenceMode no_autograd;
    const auto input = model_input_into(stored_inputs, rows_of(input_, rows));
    auto x = input.view({rows, w1_.size(1)});
    auto hidden = rows_of(hidden_, rows);
    auto logits = rows_of(logits_, rows);
    auto log_probs = rows_of(log_probs_, rows);
    auto grad_log_probs = rows_of(grad_log_probs_, rows);
    auto grad_logits = rows_of(grad_logits_, rows);
    auto grad_hidden = rows_of(grad_hidden_, rows);
    auto grad_pre = rows_of(grad_pre_, rows);

    at::addmm_out(hidden, b1_, x, w1_.t());
    at::relu_(hidden);
    at::addmm_out(logits, b2_, hidden, w2_.t());
    at::_log_softmax_out(log_probs, logits, 1, /*half_to_float=*/false);
    at::nll_loss_forward_out(loss_, total_weight_, log_probs, targets, {}, at::Reduction::Mean,
                             kIgnoreIndex);

    at::nll_loss_backward_out(grad_log_probs, one_, log_probs, targets, {}, at::Reduction::Mean,
                              kIgnoreIndex, total_weight_);
    at::_log_softmax_backward_data_out(grad_logits, grad_log_probs, log_probs, 1,
                                       log_probs.scalar_type());
    auto w2_grad = w2_.mutable_grad();
    auto b2_grad = b2_.mutable_grad();
    at::mm_out(w2_grad, grad_logits.t(), hidden);
    auto b2_row = b2_grad.view({1, b2_.size(0)});
    at::sum_out(b2_row, grad_logits, {0}, /*keepdim=*/true);
    at::mm_out(grad_hidden, grad_logits, w2_);
    at::threshold_backward_out(grad_pre, grad_hidden, hidden, 0);
    auto w1_grad = w1_.mutable_grad();
    auto b1_grad = b1_.mutable_grad();
    at::mm_out(w1_grad, grad_pre.t(), x);
    auto b1_row = b1_grad.view({1, b1_.size(0)});
    at::sum_out(b1_row, grad_pre, {0}, /*keepdim=*/true);
    return loss_;
  }

 private:
  /// Buffers for batches of up to `rows` examples (grown, never shrunk).
  void fit(std::int64_t rows) {
    if (input_.defined() && input_.size(0) >= rows) return;
    const auto options = w1_.options().requires_grad(false);
    const auto in = w1_.size(1), hid = w1_.size(0), out = w2_.size(0);
    input_ = torch::empty({rows, in}, options);
    hidden_ = torch::empty({rows, hid}, options);
    grad_hidden_ = torch::empty({rows, hid}, options);
    grad_pre_ = torch::empty({rows, hid}, options);
    logits_ = torch::empty({rows, out}, options);
    log_probs_ = torch::empty({rows, out}, options);
    grad_log_probs_ = torch::empty({rows, out}, options);
    grad_logits_ = torch::empty({rows, out}, options);
  }
  static torch::Tensor rows_of(const torch::Tensor& buffer, std::int64_t rows) {
    return buffer.narrow(0, 0, rows);
  }

  torch::Tensor w1_, b1_, w2_, b2_;
  torch::Tensor one_, total_weight_, loss_;
  torch::Tensor input_, hidden_, grad_hidden_, grad_pre_;
  torch::Tensor logits_, log_probs_, grad_log_probs_, grad_logits_;
};

}  // namespace

std::unique_ptr<TrainStep> mlp_train_step(MlpImpl& net) {
  return std::make_unique<MlpStep>(net);
}

}  // namespace troupe::models
