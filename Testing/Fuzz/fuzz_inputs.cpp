// A mutation fuzzer over the inputs a user hands Vestige: DICOM files (the catalog and the series loader) and case
// files (the case-file parser). Built with AddressSanitizer and UndefinedBehaviorSanitizer (scripts/fuzz.sh), it
// mutates real seed files deterministically (iteration i uses seed i), feeds each mutant to the code under test and
// accepts exactly two outcomes: success, or a core::Error (a clear refusal). Anything else is a finding: another
// exception type (the CLI would call it an internal error), or a crash / sanitizer report (the process stops).
//
// Usage: vestige_fuzz --seeds DIR [--seeds DIR ...] --work DIR [--seconds S] [--max-inputs N]
//   DIR: DICOM files anywhere below it are seeds for the DICOM target; *case*.json files are case-file seeds.
// Prints the count of inputs per target, how many were refused cleanly, and the findings; exit 1 on any finding.
#include "vestige/core/error.h"
#include "vestige/dicom/catalog.h"
#include "vestige/dicom/series_loader.h"
#include "vestige/planning/case_file.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace vestige;

namespace {

struct Options {
  std::vector<fs::path> seedDirs;
  fs::path work;
  double seconds = 60.0;
  long maxInputs = -1;
};

std::string readBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
}

bool looksDicom(const std::string& bytes) {
  return bytes.size() > 132 && bytes.compare(128, 4, "DICM") == 0;
}

// Values that break parsers: numbers at and beyond the limits, NaN/inf spellings, empty and over-long strings.
const std::vector<std::string> kInteresting = {
    "NaN", "nan", "inf",  "-inf",       "1e308",      "-1e308",           "1e400",
    "0",   "-0",  "-1",   "4294967295", "2147483648", "1\\0\\0\\0\\0\\0", "0\\0\\0\\0\\0\\0",
    "",    " ",   "\\",   "\\\\\\",     "\xC3\x28",   "\xFF\xFE",         std::string(70, 'A'),
    "[]",  "{}",  "null", "true",       "\"\"",       "[1e400, 0, 0]",    "[[[[[[[[[[]]]]]]]]]]"};

// A case-file mutant that stays JSON most of the time, so that it reaches the reader's checks rather than the
// parser's: one value (a number, a string, true/false/null) replaced by an interesting one, or one "key": value pair
// duplicated or dropped.
std::string mutateJsonValue(const std::string& seed, std::mt19937_64& rng) {
  std::vector<std::pair<std::size_t, std::size_t>> values; // [begin, end) of each scalar value after a ':' or in a list
  for (std::size_t i = 0; i < seed.size(); ++i) {
    const char c = seed[i];
    if (c != ':' && c != '[' && c != ',')
      continue;
    std::size_t b = seed.find_first_not_of(" \n\t", i + 1);
    if (b == std::string::npos || seed[b] == '{' || seed[b] == '[')
      continue;
    std::size_t e = b;
    if (seed[b] == '"') {
      e = seed.find('"', b + 1);
      if (e == std::string::npos)
        continue;
      ++e;
    } else {
      while (e < seed.size() && seed[e] != ',' && seed[e] != '}' && seed[e] != ']' && seed[e] != '\n')
        ++e;
    }
    values.emplace_back(b, e);
  }
  if (values.empty())
    return seed;
  const auto [b, e] = values[rng() % values.size()];
  static const std::vector<std::string> replacements = {"1e400",
                                                        "-1e400",
                                                        "1e308",
                                                        "-1",
                                                        "0",
                                                        "-0",
                                                        "0.0001",
                                                        "4294967296",
                                                        "\"\"",
                                                        "\"../../../../etc/passwd\"",
                                                        "\"\xC3\x28\"",
                                                        "null",
                                                        "true",
                                                        "[]",
                                                        "{}",
                                                        "[1e308, 0, 0]",
                                                        "[0, 0]",
                                                        "\"NaN\"",
                                                        "\"L1\"",
                                                        "\"visible\"",
                                                        "\"disappeared\"",
                                                        "\"hcc\"",
                                                        "\"mosteller\""};
  std::string s = seed;
  s.replace(b, e - b, replacements[rng() % replacements.size()]);
  return s;
}

// One mutant of seed: a few byte flips, interesting values written over a position (for DICOM often inside a
// value), chunks deleted, duplicated or truncated. DICOM seeds keep their preamble most of the time so that the
// mutants reach the parser rather than being refused at the magic number.
std::string mutate(const std::string& seed, std::mt19937_64& rng, bool dicom) {
  std::string s = seed;
  const int rounds = 1 + int(rng() % 4);
  auto pos = [&](std::size_t lo = 0) {
    if (s.size() <= lo)
      return lo;
    return lo + std::size_t(rng() % (s.size() - lo));
  };
  const std::size_t keep = dicom && rng() % 8 != 0 ? 132 : 0;
  for (int r = 0; r < rounds && !s.empty(); ++r) {
    switch (rng() % 7) {
    case 0: // bit flips
      for (int k = 0; k < 1 + int(rng() % 8); ++k) {
        const std::size_t p = pos(keep);
        if (p < s.size())
          s[p] = char(s[p] ^ char(1u << (rng() % 8)));
      }
      break;
    case 1: { // an interesting value over some bytes
      const std::string& v = kInteresting[rng() % kInteresting.size()];
      const std::size_t p = pos(keep);
      if (p < s.size())
        s.replace(p, std::min(v.size() + rng() % 4, s.size() - p), v);
      break;
    }
    case 2: { // an interesting 16/32-bit integer (lengths, VRs, tags)
      const std::uint32_t values[] = {0, 1, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0x10000, 7, 3};
      const std::uint32_t v = values[rng() % (sizeof values / sizeof values[0])];
      const std::size_t p = pos(keep);
      if (p + 4 <= s.size())
        std::memcpy(&s[p], &v, rng() % 2 ? 2 : 4);
      break;
    }
    case 3: // truncate
      s.resize(pos(keep));
      break;
    case 4: { // delete a chunk
      const std::size_t p = pos(keep);
      s.erase(p, std::min<std::size_t>(1 + rng() % 64, s.size() - p));
      break;
    }
    case 5: { // duplicate a chunk
      const std::size_t p = pos(keep);
      const std::string chunk = s.substr(p, 1 + rng() % 64);
      s.insert(pos(keep), chunk);
      break;
    }
    case 6: // a random byte
      if (!s.empty()) {
        const std::size_t p = pos(keep);
        if (p < s.size())
          s[p] = char(rng());
      }
      break;
    }
  }
  return s;
}

struct Tally {
  long inputs = 0;
  long accepted = 0;
  long refused = 0;
  long findings = 0;
};

void finding(Tally& t, const std::string& target, long iteration, const fs::path& input, const std::string& what) {
  ++t.findings;
  std::cerr << "FINDING [" << target << " #" << iteration << "] " << input.string() << ": " << what << "\n";
}

// The DICOM target: a folder holding the mutant beside unmutated copies of the other seeds of its series is scanned
// and, when it holds an image series, loaded.
void fuzzDicom(const std::string& mutant, const std::vector<std::string>& siblings, const fs::path& dir, long iteration,
               Tally& t) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path input = dir / "mutant.dcm";
  writeBytes(input, mutant);
  for (std::size_t k = 0; k < siblings.size(); ++k)
    writeBytes(dir / ("sibling" + std::to_string(k) + ".dcm"), siblings[k]);
  ++t.inputs;
  try {
    const dicom::Catalog catalog = dicom::scanCatalog(dir);
    (void)dicom::catalogToJson(catalog);
    (void)dicom::readInstanceHeader(input);
    dicom::LoadOptions options;
    options.threads = 1;
    (void)dicom::loadSeries(dir, options);
    ++t.accepted;
  } catch (const core::Error&) {
    ++t.refused;
  } catch (const std::exception& e) {
    writeBytes(dir.parent_path() / ("finding-dicom-" + std::to_string(iteration) + ".dcm"), mutant);
    finding(t, "dicom", iteration, input, std::string("unexpected exception: ") + e.what());
  }
}

void fuzzCase(const std::string& mutant, const fs::path& caseFile, long iteration, Tally& t) {
  ++t.inputs;
  try {
    (void)planning::parseCaseFile(mutant, caseFile);
    ++t.accepted;
  } catch (const core::Error&) {
    ++t.refused;
  } catch (const std::exception& e) {
    writeBytes(caseFile.parent_path() / ("finding-case-" + std::to_string(iteration) + ".json"), mutant);
    finding(t, "case file", iteration, caseFile, std::string("unexpected exception: ") + e.what());
  }
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::runtime_error("missing value after " + a);
      return argv[++i];
    };
    if (a == "--seeds")
      o.seedDirs.emplace_back(next());
    else if (a == "--work")
      o.work = next();
    else if (a == "--seconds")
      o.seconds = std::stod(next());
    else if (a == "--max-inputs")
      o.maxInputs = std::stol(next());
    else
      throw std::runtime_error("unknown option " + a);
  }
  if (o.seedDirs.empty() || o.work.empty())
    throw std::runtime_error("usage: vestige_fuzz --seeds DIR [--seeds DIR ...] --work DIR [--seconds S]");
  return o;
}

} // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  // Seeds grouped by folder: a DICOM seed is fuzzed among its unmutated neighbours, like a bad slice in a series.
  std::vector<std::vector<std::string>> dicomGroups;
  std::vector<std::pair<fs::path, std::string>> caseSeeds;
  for (const fs::path& root : o.seedDirs) {
    std::map<fs::path, std::vector<std::string>> byFolder;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file())
        continue;
      const std::string bytes = readBytes(e.path());
      if (looksDicom(bytes) && bytes.size() < (8u << 20))
        byFolder[e.path().parent_path()].push_back(bytes);
      else if (e.path().extension() == ".json" && e.path().filename().string().find("case") != std::string::npos &&
               bytes.size() < (1u << 20))
        caseSeeds.emplace_back(e.path(), bytes);
    }
    for (auto& [folder, files] : byFolder) {
      (void)folder;
      if (files.size() > 4) // a handful of neighbouring slices is a series; more only slows each input down
        files.resize(4);
      dicomGroups.push_back(std::move(files));
    }
  }
  if (dicomGroups.empty() || caseSeeds.empty()) {
    std::cerr << "vestige_fuzz: need DICOM and case-file (.json) seeds; found " << dicomGroups.size()
              << " DICOM folder(s) and " << caseSeeds.size() << " JSON file(s)\n";
    return 2;
  }
  fs::create_directories(o.work);
  Tally dicomTally, caseTally;
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  long iteration = 0;
  // Three DICOM inputs to one case file: the DICOM target is the larger attack surface and the slower one.
  while (elapsed() < o.seconds && (o.maxInputs < 0 || iteration < o.maxInputs)) {
    std::mt19937_64 rng(std::uint64_t(iteration) * 0x9E3779B97F4A7C15ull + 1);
    if (iteration % 4 != 3) {
      const auto& group = dicomGroups[rng() % dicomGroups.size()];
      const std::size_t which = rng() % group.size();
      std::vector<std::string> siblings;
      for (std::size_t k = 0; k < group.size(); ++k)
        if (k != which)
          siblings.push_back(group[k]);
      fuzzDicom(mutate(group[which], rng, true), siblings, o.work / "dicom", iteration, dicomTally);
    } else {
      const auto& [path, bytes] = caseSeeds[rng() % caseSeeds.size()];
      fuzzCase(rng() % 4 == 0 ? mutate(bytes, rng, false) : mutateJsonValue(bytes, rng), path, iteration, caseTally);
    }
    ++iteration;
  }
  std::printf("vestige_fuzz: %.0f s, %zu DICOM seed folder(s), %zu case-file seed(s)\n", elapsed(), dicomGroups.size(),
              caseSeeds.size());
  std::printf("  catalog + series loader: %ld inputs, %ld loaded, %ld refused with a clear error, %ld findings\n",
              dicomTally.inputs, dicomTally.accepted, dicomTally.refused, dicomTally.findings);
  std::printf("  case-file parser:        %ld inputs, %ld parsed, %ld refused with a clear error, %ld findings\n",
              caseTally.inputs, caseTally.accepted, caseTally.refused, caseTally.findings);
  return dicomTally.findings + caseTally.findings == 0 ? 0 : 1;
}
