/* plot_svg.h — writes line charts as a small standalone SVG file (no dependencies): one panel
 * per series, x = index, y scaled to the series' range. */
#ifndef MX_EXAMPLES_PLOT_SVG_H
#define MX_EXAMPLES_PLOT_SVG_H

#include <stdio.h>

typedef struct svg_series {
  const char *title;
  const double *x, *y;
  int n;
  const char *color;
} svg_series;

static int svg_write(const char *path, int n_series, const svg_series *s) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  const int W = 520, H = 300, pad = 50;
  fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n",
          W * n_series, H);
  for (int k = 0; k < n_series; k++) {
    const svg_series *p = &s[k];
    double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
    for (int i = 0; i < p->n; i++) {
      x0 = p->x[i] < x0 ? p->x[i] : x0;
      x1 = p->x[i] > x1 ? p->x[i] : x1;
      y0 = p->y[i] < y0 ? p->y[i] : y0;
      y1 = p->y[i] > y1 ? p->y[i] : y1;
    }
    if (x1 <= x0) x1 = x0 + 1;
    if (y1 <= y0) y1 = y0 + 1;
    int ox = k * W;
    fprintf(f, "<rect x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\" stroke=\"#ccc\"/>\n", ox, W, H);
    fprintf(f, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\">%s</text>\n", ox + W / 2, p->title);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3g</text>\n", ox + pad - 4, pad, y1);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.3g</text>\n", ox + pad - 4, H - pad, y0);
    fprintf(f, "<text x=\"%d\" y=\"%d\">%.0f</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%.0f</text>\n",
            ox + pad, H - pad + 16, x0, ox + W - 10, H - pad + 16, x1);
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", p->color);
    for (int i = 0; i < p->n; i++)
      fprintf(f, "%.1f,%.1f ", ox + pad + (p->x[i] - x0) / (x1 - x0) * (W - pad - 10),
              H - pad - (p->y[i] - y0) / (y1 - y0) * (H - 2 * pad));
    fprintf(f, "\"/>\n");
  }
  fprintf(f, "</svg>\n");
  return fclose(f);
}

#endif
