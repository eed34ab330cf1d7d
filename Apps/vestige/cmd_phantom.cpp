// `vestige phantom` and `vestige simulate-followup`: synthetic cases with known ground truth.
#include "app_context.h"

#include "vestige/core/error.h"
#include "vestige/phantom/phantom.h"
#include "vestige/phantom/simulate_followup.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

namespace vestige::app {

namespace {

struct PhantomArgs {
  std::string out;
  std::uint64_t seed = 1;
  std::string modality = "ct";
  std::string snapshots;
};

struct SimulateArgs {
  std::string baseline;
  std::string liver;
  std::vector<std::string> lesions;
  std::vector<std::string> disappear;
  std::vector<std::string> shrink; // ID=FRACTION
  std::string out;
  std::uint64_t seed = 1;
  std::string snapshots;
};

void printSummary(const AppContext& context, const std::string& out, const phantom::CaseTruth& truth) {
  context.log.info("wrote " + out + " in " + std::to_string(truth.seconds).substr(0, 4) + " s: " +
                   std::to_string(truth.lesions.size()) + " lesions, " + std::to_string(truth.landmarks.size()) +
                   " landmark pairs, liver " + std::to_string(truth.baselineLiverMl).substr(0, 6) + " mL");
  for (const phantom::LesionTruth& l : truth.lesions) {
    char line[200];
    std::snprintf(line, sizeof line, "  %-4s %-11s baseline %7.2f mL  follow-up %7.2f mL", l.id.c_str(),
                  phantom::lesionFateName(l.fate), l.baselineMaskMl, l.followupMaskMl);
    context.log.info(line);
  }
}

void runPhantom(const PhantomArgs& a, AppContext& context) {
  phantom::PhantomOptions options;
  options.seed = a.seed;
  if (a.modality == "mr")
    options.followupModality = phantom::FollowupModality::Mr;
  options.threads = context.threads;
  options.snapshotDir = a.snapshots;
  const phantom::CaseTruth truth = phantom::writePhantomCase(a.out, options, context.progress);
  context.progress->finish();
  printSummary(context, a.out, truth);
}

void runSimulate(const SimulateArgs& a, AppContext& context) {
  phantom::BaselineInputs inputs;
  inputs.series = a.baseline;
  inputs.liverMask = a.liver;
  for (const std::string& l : a.lesions)
    inputs.lesionMasks.emplace_back(l);
  phantom::SimulateFollowupOptions options;
  options.seed = a.seed;
  options.threads = context.threads;
  options.snapshotDir = a.snapshots;
  for (const std::string& id : a.disappear)
    options.plan.push_back({id, phantom::LesionFate::Disappeared, 0.0});
  for (const std::string& s : a.shrink) {
    const auto eq = s.find('=');
    if (eq == std::string::npos)
      throw core::Error(core::ErrorCode::InvalidArgument, "--shrink expects ID=FRACTION, e.g. L2=0.4", s);
    double fraction = 0.0;
    try {
      fraction = std::stod(s.substr(eq + 1));
    } catch (const std::exception&) {
      throw core::Error(core::ErrorCode::InvalidArgument, "--shrink expects ID=FRACTION, e.g. L2=0.4", s);
    }
    options.plan.push_back({s.substr(0, eq), phantom::LesionFate::Shrunk, fraction});
  }
  const phantom::CaseTruth truth = phantom::simulateFollowup(inputs, options, a.out, context.progress);
  context.progress->finish();
  printSummary(context, a.out, truth);
}

} // namespace

void addPhantomCommands(CLI::App& app, AppContext& context) {
  auto phantomArgs = std::make_shared<PhantomArgs>();
  CLI::App* ph = app.add_subcommand("phantom", "Write a synthetic baseline + follow-up case with exact ground truth");
  ph->add_option("-o,--output", phantomArgs->out, "Case folder to create (absent or empty)")->required();
  ph->add_option("--seed", phantomArgs->seed, "Random seed (same seed, same case)")->capture_default_str();
  ph->add_option("--followup-modality", phantomArgs->modality, "Follow-up as portal-venous CT or T1 hepatobiliary MR")
      ->check(CLI::IsMember({"ct", "mr"}))
      ->capture_default_str();
  ph->add_option("--snapshots", phantomArgs->snapshots, "Also write axial/coronal PNGs through the liver here");
  ph->callback([phantomArgs, &context] { runPhantom(*phantomArgs, context); });

  auto simArgs = std::make_shared<SimulateArgs>();
  CLI::App* sim = app.add_subcommand(
      "simulate-followup", "Synthesise a follow-up of a real baseline CT (lesions vanish/shrink, known deformation)");
  sim->add_option("baseline", simArgs->baseline, "Baseline DICOM series folder")->required();
  sim->add_option("--liver", simArgs->liver, "Liver mask (NIfTI/NRRD/MHA, DICOM SEG or DICOM mask series)")->required();
  sim->add_option("--lesion", simArgs->lesions, "Lesion mask, repeatable; lesion ids L1, L2, ... in this order")
      ->required();
  sim->add_option("--disappear", simArgs->disappear, "Lesion ids to make vanish (default: L1)")->delimiter(',');
  sim->add_option("--shrink", simArgs->shrink, "ID=FRACTION of volume left (default: L2=0.4)")->delimiter(',');
  sim->add_option("-o,--output", simArgs->out, "Case folder to create (absent or empty)")->required();
  sim->add_option("--seed", simArgs->seed, "Random seed")->capture_default_str();
  sim->add_option("--snapshots", simArgs->snapshots, "Also write PNGs through each changed lesion's site here");
  sim->callback([simArgs, &context] { runSimulate(*simArgs, context); });
}

} // namespace vestige::app
