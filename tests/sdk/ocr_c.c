/* End-to-end OCR from C (C99, no C++ in sight): the default models when no folders are given.
 * Prints one line per recognised text line, in reading order: text, score, then the box.
 * Usage: ocr_c IMAGE.ppm [DET_DIR REC_DIR]   (binary PPM, P6, 8-bit: C has no image decoder) */
#include <stdio.h>
#include <stdlib.h>

#include "ocrserve/c/ocr.h"

static unsigned char* read_ppm(const char* path, int* width, int* height) {
  FILE* file = fopen(path, "rb");
  int max_value = 0;
  unsigned char* pixels = NULL;
  if (!file) return NULL;
  if (fscanf(file, "P6 %d %d %d", width, height, &max_value) == 3 && max_value == 255 && fgetc(file) != EOF &&
      *width > 0 && *height > 0) {
    size_t size = (size_t)*width * (size_t)*height * 3;
    pixels = malloc(size);
    if (pixels && fread(pixels, 1, size, file) != size) {
      free(pixels);
      pixels = NULL;
    }
  }
  fclose(file);
  return pixels;
}

int main(int argc, char** argv) {
  ocrserve_ocr_t ocr = NULL;
  ocrserve_ocr_line_t* lines = NULL;
  int* line_count = NULL;
  ocrserve_mat_t mat;
  int width = 0, height = 0, status, i;
  unsigned char* pixels;

  if (argc != 2 && argc != 4) {
    fprintf(stderr, "usage: %s IMAGE.ppm [DET_DIR REC_DIR]\n", argv[0]);
    return 1;
  }
  pixels = read_ppm(argv[1], &width, &height);
  if (!pixels) {
    fprintf(stderr, "not an 8-bit binary PPM: %s\n", argv[1]);
    return 1;
  }
  status = ocrserve_ocr_create_by_path(argc == 4 ? argv[2] : NULL, argc == 4 ? argv[3] : NULL, NULL, "cpu", 0, &ocr);
  if (status != OCRSERVE_SUCCESS) {
    fprintf(stderr, "create: status %d: %s\n", status, ocrserve_last_error());
    free(pixels);
    return 1;
  }
  /* PPM is RGB: the library converts. */
  mat.data = pixels;
  mat.height = height;
  mat.width = width;
  mat.channel = 3;
  mat.format = OCRSERVE_PIXEL_FORMAT_RGB;
  mat.type = OCRSERVE_DATA_TYPE_UINT8;
  mat.device = NULL;
  status = ocrserve_ocr_apply(ocr, &mat, 1, &lines, &line_count);
  if (status != OCRSERVE_SUCCESS) {
    fprintf(stderr, "apply: status %d: %s\n", status, ocrserve_last_error());
  } else {
    for (i = 0; i < line_count[0]; ++i) {
      printf("%s\t%.4f\t%.2f,%.2f %.2f,%.2f %.2f,%.2f %.2f,%.2f\n", lines[i].text, lines[i].score, lines[i].bbox[0].x,
             lines[i].bbox[0].y, lines[i].bbox[1].x, lines[i].bbox[1].y, lines[i].bbox[2].x, lines[i].bbox[2].y,
             lines[i].bbox[3].x, lines[i].bbox[3].y);
    }
    ocrserve_ocr_release_result(lines, line_count, 1);
  }
  ocrserve_ocr_destroy(ocr);
  free(pixels);
  return status == OCRSERVE_SUCCESS ? 0 : 1;
}
