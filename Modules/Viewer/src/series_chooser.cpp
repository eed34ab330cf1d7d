#include "series_chooser.h"

#include "vestige/core/error.h"
#include "vestige/dicom/image_io.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace vestige::viewer {

std::vector<const dicom::SeriesEntry*> imageSeries(const dicom::Catalog& catalog) {
  std::vector<const dicom::SeriesEntry*> out;
  for (const dicom::SeriesEntry* s : dicom::allSeries(catalog))
    if (s->kind == dicom::SeriesKind::Image)
      out.push_back(s);
  return out;
}

SeriesChooser::SeriesChooser(const dicom::Catalog& catalog, const QString& title, QWidget* parent)
    : QDialog(parent), m_series(imageSeries(catalog)) {
  setWindowTitle(title);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(QString("%1 holds %2 image series; choose one.")
                                   .arg(QString::fromStdString(catalog.root.string()))
                                   .arg(m_series.size()),
                               this));
  m_table = new QTableWidget(int(m_series.size()), 5, this);
  m_table->setHorizontalHeaderLabels({"Patient", "Study date", "Modality", "Description", "Slices"});
  m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
  m_table->setSelectionMode(QAbstractItemView::SingleSelection);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  m_table->verticalHeader()->hide();
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  for (std::size_t r = 0; r < m_series.size(); ++r) {
    const dicom::SeriesEntry& s = *m_series[r];
    const std::size_t slices = s.multiframe ? s.frameCount : s.instances.size() - s.localizerCount;
    const QStringList cells = {QString::fromStdString(s.patientName + "  " + s.patientId),
                               QString::fromStdString(s.studyDate.empty() ? s.date : s.studyDate),
                               QString::fromStdString(s.modality), QString::fromStdString(s.description),
                               QString::number(slices)};
    for (int c = 0; c < cells.size(); ++c)
      m_table->setItem(int(r), c, new QTableWidgetItem(cells[c]));
  }
  if (!m_series.empty())
    m_table->selectRow(0);
  connect(m_table, &QTableWidget::cellDoubleClicked, this, [this](int, int) { accept(); });
  layout->addWidget(m_table, 1);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  layout->addWidget(buttons);
  resize(720, 320);
}

std::string SeriesChooser::chosenUid() const {
  const auto rows = m_table->selectionModel()->selectedRows();
  if (rows.isEmpty())
    return {};
  return m_series[std::size_t(rows.front().row())]->seriesUid;
}

std::optional<planning::SeriesRef> chooseSeries(const std::filesystem::path& path, const QString& title,
                                                QWidget* parent) {
  planning::SeriesRef ref;
  ref.series = std::filesystem::absolute(path);
  if (dicom::isVolumeFile(path))
    return ref;
  const dicom::Catalog catalog = dicom::scanCatalog(path);
  const auto series = imageSeries(catalog);
  if (series.empty())
    throw core::Error(core::ErrorCode::NotFound, "no image series in this folder", path.string());
  if (series.size() == 1) {
    ref.seriesUid = series.front()->seriesUid;
    return ref;
  }
  SeriesChooser chooser(catalog, title, parent);
  if (chooser.exec() != QDialog::Accepted || chooser.chosenUid().empty())
    return std::nullopt;
  ref.seriesUid = chooser.chosenUid();
  return ref;
}

} // namespace vestige::viewer
