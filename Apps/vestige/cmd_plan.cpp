// vestige plan CASE.json -o OUT: the product's main job (see Documentation/planning.md).
#include "app_context.h"

#include "vestige/core/error.h"
#include "vestige/core/file_util.h"
#include "vestige/dicom/pacs.h"
#include "vestige/planning/case_file.h"
#include "vestige/planning/plan.h"
#include "vestige/report/report.h"

#include <cstdio>
#include <iostream>
#include <optional>

namespace vestige::app {

namespace {

struct PlanCliOptions {
  std::string caseFile;
  std::string out;
  bool noReport = false;
  std::string send;      // a PACS to send the DICOM SEG, SR and SC to
  std::string pacsCache; // where PACS sources of the case file are retrieved to
  std::string pacsConfig;
};

std::string fixed(double v, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string joinReasons(const std::vector<std::string>& reasons) {
  std::string text;
  for (const auto& r : reasons)
    text += (text.empty() ? "" : "; ") + r;
  return text;
}

void printKeyFigures(const planning::PlanSummary& p, const std::string& out) {
  std::cout << "Plan written to " << out << "/plan.json\n"
            << "  liver " << fixed(p.liverMl) << " mL (tumour " << fixed(p.tumourMl) << " mL), margin "
            << fixed(p.marginMm) << " mm + per-site registration uncertainty\n";
  for (const auto& s : p.scenarios)
    std::cout << "  " << (s.name == "all_original_sites" ? "all original sites (recommended)" : "visible sites only   ")
              << ": resect " << fixed(s.resectedMl) << " mL, remnant " << fixed(s.usableRemnantMl) << " mL, FLR "
              << fixed(s.flrPercent) << " %" << (s.sflrPercent ? ", sFLR " + fixed(*s.sflrPercent) + " %" : "")
              << (s.remnantPieces > 1 ? "  (remnant in " + std::to_string(s.remnantPieces) + " pieces)" : "") << "\n";
  std::cout << "  verdict: " << (p.sflrPercent ? "sFLR " + fixed(*p.sflrPercent) : "FLR " + fixed(p.flrPercent))
            << " % vs minimum " << fixed(p.flrThresholdPercent, 0) << " % (" << planning::name(p.liverCondition)
            << " liver): " << (p.flrSufficient ? "SUFFICIENT" : "INSUFFICIENT")
            << (planning::verdictProvisional(p) ? " - PROVISIONAL: " + joinReasons(planning::provisionalReasons(p))
                                                : "")
            << "\n";
  for (const auto* c : {&p.signOff.livers, &p.signOff.statuses})
    if (*c)
      std::cout << "  " << (c == &p.signOff.livers ? "liver outlines" : "follow-up statuses") << " confirmed by "
                << (*c)->by << " at " << (*c)->utc << ((*c)->note.empty() ? "" : " (" + (*c)->note + ")") << "\n";
  for (const auto& w : p.warnings)
    std::cout << "  WARNING [" << w.code << "] " << w.message << "\n";
  for (const auto& l : p.lesions)
    std::cout << "  " << l.id << ": " << l.status << (l.statusOverridden ? " (radiologist)" : "") << ", baseline "
              << fixed(l.baselineDiameterMm) << " mm, at " << core::formatVec(l.projectedCenterLps, 1)
              << " LPS, uncertainty " << fixed(l.uncertaintyMm) << " mm"
              << (l.missingMetastasis ? "  <- MISSING METASTASIS if only visible sites are resected" : "")
              << (l.note.empty() ? "" : "  note: " + l.note) << "\n";
  std::cout << "  registration: " << fixed(p.registration.seconds) << " s, min Jacobian "
            << fixed(p.registration.minJacobian, 2) << "\n";
  std::cout << "Research software, not a certified medical device.\n";
}

// Sends OUT/dicom (SEG, SR, Secondary Captures) to the PACS; a failure is reported like a missing export (exit 10):
// the plan and report stay.
void sendExports(const dicom::PacsServer& server, const std::filesystem::path& out, AppContext& ctx) {
  std::string failure;
  try {
    const dicom::PacsSendResult r = dicom::pacsSend(server, {out / "dicom"}, ctx.progress);
    ctx.progress->finish();
    std::cout << "sent      " << r.sent << " DICOM object(s) to " << dicom::describe(server) << "\n";
    for (const std::string& f : r.failures)
      failure += (failure.empty() ? "" : "; ") + f;
  } catch (const core::Error& e) {
    ctx.progress->finish();
    failure = e.what();
  }
  if (failure.empty())
    return;
  std::cerr << "vestige: plan written, but sending to the PACS failed:\n  PACS send: " << failure << "\n";
  ctx.exitCode = kExitExportsMissing;
}

void runPlanCommand(const PlanCliOptions& o, AppContext& ctx) {
  planning::CaseFile caseFile = planning::readCaseFile(o.caseFile);
  const std::filesystem::path pacsConfig =
      o.pacsConfig.empty() ? dicom::defaultPacsConfigFile() : std::filesystem::path(o.pacsConfig);
  std::optional<dicom::PacsServer> sendTo;
  if (!o.send.empty()) {
    if (o.noReport)
      throw core::Error(core::ErrorCode::InvalidArgument, "there is nothing to send without the report's exports",
                        "--send with --no-report");
    sendTo = dicom::resolvePacsServer(o.send, pacsConfig);
  }
  planning::fetchPacsSeries(
      caseFile, o.pacsCache.empty() ? planning::defaultPacsCacheFolder() : std::filesystem::path(o.pacsCache),
      pacsConfig, ctx.progress);
  ctx.progress->finish();
  planning::PlanOptions options;
  options.threads = ctx.threads;
  // The plan, its report and exports are written into a folder beside OUT and moved into place only when all is
  // written: a failure, Ctrl-C or a kill leaves OUT as it was (or absent), never half a plan or a mix of two runs.
  core::StagingFolder staging(o.out, "plan.json");
  const std::filesystem::path out = staging.target();
  planning::PlanRun run;
  report::ReportFiles files;
  try {
    run = planning::runPlan(caseFile, staging.path(), options, ctx.progress);
    ctx.progress->finish();
    if (!o.noReport) {
      // The report reads the folder just written, like `vestige report OUT`.
      files = report::writeReport(staging.path(), {}, ctx.progress);
      ctx.progress->finish();
    }
    staging.commit();
  } catch (const core::Error& e) {
    throw core::Error(e.code(),
                      e.message() + (std::filesystem::exists(out) ? "; " + out.string() + " was left as it was"
                                                                  : "; nothing was written to " + out.string()),
                      e.context());
  }
  for (const auto& note : run.summary.notes)
    ctx.log.info(note);
  printKeyFigures(run.summary, out.string());
  if (o.noReport)
    return;
  for (const std::string& note : files.notes)
    ctx.log.warning("note: " + note);
  std::cout << "report    " << (out / files.html.filename()).string() << "\nreport    "
            << (out / files.pdf.filename()).string() << "\n";
  reportFailedExports(files, ctx);
  if (sendTo)
    sendExports(*sendTo, out, ctx);
}

} // namespace

void addPlanCommand(CLI::App& app, AppContext& ctx) {
  auto o = std::make_shared<PlanCliOptions>();
  auto* cmd = app.add_subcommand("plan", "Plan resection of every original lesion site from a case file");
  cmd->add_option("case", o->caseFile, "Case file (JSON; see Documentation/planning.md)")->required();
  cmd->add_option("-o,--output", o->out, "Output folder")->required();
  cmd->add_flag("--no-report", o->noReport, "Write the plan only (no report, meshes or DICOM exports)");
  cmd->add_option("--send", o->send,
                  "Send the DICOM SEG, SR and Secondary Captures to this PACS (name or AET@HOST:PORT)");
  cmd->add_option("--pacs-cache", o->pacsCache,
                  "Where PACS sources of the case file are retrieved (default $XDG_CACHE_HOME/vestige/pacs)");
  cmd->add_option("--pacs-config", o->pacsConfig, "PACS servers file (default $XDG_CONFIG_HOME/vestige/pacs.json)");
  cmd->callback([o, &ctx] { runPlanCommand(*o, ctx); });
}

} // namespace vestige::app
