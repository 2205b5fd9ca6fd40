#pragma once
// Overlapped stages of end-to-end OCR: each lane (ocr_lane.hpp) runs on a thread of its own and
// takes whichever piece of work is ready, the next batch of lines to recognise before the next
// image to detect. While some lanes recognise one image's lines, others detect the next images,
// and the cores stay busy through each stage's serial parts and tails.
#include <exception>
#include <functional>
#include <vector>

#include <opencv2/core.hpp>

#include "pipeline/ocr_lane.hpp"

namespace ocrserve {

// Images whose lines are recognised together (in the same width batches, as one lane would
// batch them): one image for Ocr::run_each, all of them for Ocr::run.
struct OcrJob {
  std::vector<cv::Mat> images;
  std::vector<OcrResult> results;  // one per image, once done
  std::exception_ptr error;        // the job's first failure; results are then empty
  StageTimes times;                // work done on the job, summed over lanes
};

// Runs the jobs `next_job` fills in (it returns false when there are no more; a job it returns
// with `error` set is handed back as it is) and gives each finished job to `done`, in the order
// read. A few jobs are in flight at once. Both callbacks run on the calling thread; an exception
// from either stops the lanes and is rethrown.
void run_overlapped(std::vector<OcrLane>& lanes, const std::function<bool(OcrJob&)>& next_job,
                    const std::function<void(OcrJob&&)>& done);

}  // namespace ocrserve
