#pragma once
// The series chooser of `vestige view --baseline DIR --followup DIR`: a folder holding several image series shows
// them (patient, study date, modality, description, slices) from dicom::Catalog and the user picks one.
#include "vestige/dicom/catalog.h"
#include "vestige/planning/case_file.h"

#include <QDialog>

#include <filesystem>
#include <optional>
#include <vector>

class QTableWidget;

namespace vestige::viewer {

// The image series of a catalog a chooser offers (localizers, SEG, SR and secondary captures left out).
[[nodiscard]] std::vector<const dicom::SeriesEntry*> imageSeries(const dicom::Catalog& catalog);

class SeriesChooser : public QDialog {
  Q_OBJECT
public:
  SeriesChooser(const dicom::Catalog& catalog, const QString& title, QWidget* parent = nullptr);
  [[nodiscard]] QTableWidget* table() const noexcept { return m_table; }
  // The chosen series' UID (empty until one is chosen).
  [[nodiscard]] std::string chosenUid() const;

private:
  std::vector<const dicom::SeriesEntry*> m_series;
  QTableWidget* m_table = nullptr;
};

// A series reference for `path`: a volume file or a folder with one image series as it is; a folder with several
// asks with a SeriesChooser (nullopt when the user cancels). Throws core::Error when the folder has no image series.
[[nodiscard]] std::optional<planning::SeriesRef> chooseSeries(const std::filesystem::path& path, const QString& title,
                                                              QWidget* parent = nullptr);

} // namespace vestige::viewer
