package org.dynalens.report;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small headless chart drawn with Java2D (no browser, no network, no extra dependency): lines, points or bars over
 * a numeric x axis, a linear or log-10 y axis, shaded x intervals (the phases of a run) and a legend. Enough for the
 * run report's plots, not a general plotting library.
 */
final class Chart {

    enum Style { LINE, POINTS, BARS }

    record Series(String name, double[] x, double[] y, Color color, Style style) {
    }

    record Band(double from, double to, Color color, String label) {
    }

    /** A text at a data point (e.g. the step of a checkpoint on a trajectory), drawn with a small ring. */
    record Label(double x, double y, String text) {
    }

    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
            new Color(0x9467bd), new Color(0x8c564b),
            new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)}; // matplotlib's tab10

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean logY;
    private final List<Series> series = new ArrayList<>();
    private final List<Band> bands = new ArrayList<>();
    private final List<Label> labels = new ArrayList<>();
    private Double yMinFixed, yMaxFixed, xMinFixed, xMaxFixed;

    Chart(String title, String xLabel, String yLabel, boolean logY) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logY = logY;
    }

    Chart add(String name, double[] x, double[] y, Style style) {
        return add(name, x, y, PALETTE[series.size() % PALETTE.length], style);
    }

    /** A series in a chosen colour (e.g. a phase's, so it matches the shading of the other plots). */
    Chart add(String name, double[] x, double[] y, Color color, Style style) {
        series.add(new Series(name, x, y, color, style));
        return this;
    }

    Chart band(double from, double to, Color color, String label) {
        bands.add(new Band(from, to, color, label));
        return this;
    }

    Chart label(double x, double y, String text) {
        labels.add(new Label(x, y, text));
        return this;
    }

    Chart yRange(double min, double max) {
        yMinFixed = min;
        yMaxFixed = max;
        return this;
    }

    Chart xRange(double min, double max) {
        xMinFixed = min;
        xMaxFixed = max;
        return this;
    }

    void writePng(Path file, int width, int height) {
        try {
            ImageIO.write(render(width, height), "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    BufferedImage render(int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int left = 72, right = 16, top = 30, bottom = 44;
        int pw = width - left - right, ph = height - top - bottom;

        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                double y = s.y()[i];
                if (!Double.isFinite(y) || (logY && y <= 0)) continue;
                xMin = Math.min(xMin, s.x()[i]);
                xMax = Math.max(xMax, s.x()[i]);
                double ty = logY ? Math.log10(y) : y;
                yMin = Math.min(yMin, ty);
                yMax = Math.max(yMax, ty);
            }
        }
        boolean empty = xMin > xMax;
        if (empty) {
            xMin = 0;
            xMax = 1;
            yMin = 0;
            yMax = 1;
        }
        if (series.stream().anyMatch(s -> s.style() == Style.BARS)) {
            xMin -= 0.5;
            xMax += 0.5;
            if (!logY) yMin = Math.min(yMin, 0);
        }
        if (yMinFixed != null) {
            yMin = logY ? Math.log10(yMinFixed) : yMinFixed;
            yMax = logY ? Math.log10(yMaxFixed) : yMaxFixed;
        }
        if (xMinFixed != null) {
            xMin = xMinFixed;
            xMax = xMaxFixed;
        }
        if (xMax == xMin) xMax = xMin + 1;
        if (yMax == yMin) {
            yMax += 0.5;
            yMin -= 0.5;
        }
        if (logY) {
            yMin = Math.floor(yMin);
            yMax = Math.ceil(yMax);
        } else {
            double pad = 0.04 * (yMax - yMin);
            if (yMinFixed == null) {
                yMax += pad;
                if (yMin != 0) yMin -= pad;
            }
        }
        final double x0 = xMin, x1 = xMax, y0 = yMin, y1 = yMax;
        java.util.function.DoubleUnaryOperator sx = x -> left + (x - x0) / (x1 - x0) * pw;
        java.util.function.DoubleUnaryOperator sy = y -> top + ph - ((logY ? Math.log10(y) : y) - y0) / (y1 - y0) * ph;

        // phase bands, under everything
        FontMetrics fm = g.getFontMetrics();
        for (Band b : bands) {
            double a = Math.max(x0, b.from()), z = Math.min(x1, b.to());
            if (z <= a) continue;
            g.setColor(b.color());
            g.fill(new Rectangle2D.Double(sx.applyAsDouble(a), top, sx.applyAsDouble(z) - sx.applyAsDouble(a), ph));
            g.setColor(Color.DARK_GRAY);
            int lw = fm.stringWidth(b.label());
            double mid = (sx.applyAsDouble(a) + sx.applyAsDouble(z)) / 2;
            if (lw < sx.applyAsDouble(z) - sx.applyAsDouble(a)) g.drawString(b.label(), (float) (mid - lw / 2.0), top + ph - 6);
        }

        // grid and ticks
        g.setColor(new Color(0xdddddd));
        g.setStroke(new BasicStroke(1f));
        List<double[]> yTicks = new ArrayList<>(); // {value in axis units, label-able value}
        if (logY) {
            for (double e = y0; e <= y1 + 1e-9; e++) yTicks.add(new double[] {e, Math.pow(10, e)});
        } else {
            for (double t : ticks(y0, y1)) yTicks.add(new double[] {t, t});
        }
        for (double[] t : yTicks) {
            double py = top + ph - (t[0] - y0) / (y1 - y0) * ph;
            g.setColor(new Color(0xdddddd));
            g.drawLine(left, (int) py, left + pw, (int) py);
            g.setColor(Color.BLACK);
            String label = logY ? "1e" + (int) Math.round(t[0]) : format(t[1]);
            g.drawString(label, left - 6 - fm.stringWidth(label), (int) py + 4);
        }
        for (double t : ticks(x0, x1)) {
            double px = sx.applyAsDouble(t);
            g.setColor(new Color(0xeeeeee));
            g.drawLine((int) px, top, (int) px, top + ph);
            g.setColor(Color.BLACK);
            String label = format(t);
            g.drawString(label, (float) (px - fm.stringWidth(label) / 2.0), top + ph + 16);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, pw, ph);

        // data, clipped to the plot area
        Graphics2D d = (Graphics2D) g.create();
        d.clipRect(left, top, pw + 1, ph + 1);
        int nBars = (int) series.stream().filter(s -> s.style() == Style.BARS).count();
        int barIndex = 0;
        for (Series s : series) {
            d.setColor(s.color());
            d.setStroke(new BasicStroke(1.6f));
            if (s.style() == Style.LINE) {
                Path2D.Double path = new Path2D.Double();
                boolean pen = false;
                for (int i = 0; i < s.x().length; i++) {
                    double y = s.y()[i];
                    if (!Double.isFinite(y) || (logY && y <= 0)) {
                        pen = false;
                        continue;
                    }
                    double px = sx.applyAsDouble(s.x()[i]), py = sy.applyAsDouble(y);
                    if (pen) path.lineTo(px, py);
                    else path.moveTo(px, py);
                    pen = true;
                }
                d.draw(path);
            } else if (s.style() == Style.POINTS) {
                for (int i = 0; i < s.x().length; i++) {
                    double y = s.y()[i];
                    if (!Double.isFinite(y) || (logY && y <= 0)) continue;
                    d.fill(new Rectangle2D.Double(sx.applyAsDouble(s.x()[i]) - 2, sy.applyAsDouble(y) - 2, 4, 4));
                }
            } else {
                double slot = pw / (x1 - x0) * 0.8, w = slot / nBars;
                double base = logY ? top + ph : sy.applyAsDouble(Math.max(0, y0));
                for (int i = 0; i < s.x().length; i++) {
                    double y = s.y()[i];
                    if (!Double.isFinite(y) || (logY && y <= 0)) continue;
                    double px = sx.applyAsDouble(s.x()[i]) - slot / 2 + barIndex * w, py = sy.applyAsDouble(y);
                    d.fill(new Rectangle2D.Double(px, Math.min(py, base), Math.max(w, 1), Math.abs(base - py)));
                }
                barIndex++;
            }
        }
        d.setColor(Color.BLACK);
        d.setStroke(new BasicStroke(1.2f));
        FontMetrics dm = d.getFontMetrics();
        for (Label l : labels) {
            if (!Double.isFinite(l.x()) || !Double.isFinite(l.y()) || (logY && l.y() <= 0)) continue;
            double px = sx.applyAsDouble(l.x()), py = sy.applyAsDouble(l.y());
            d.draw(new java.awt.geom.Ellipse2D.Double(px - 4, py - 4, 8, 8));
            float tx = (float) Math.min(px + 6, left + pw - dm.stringWidth(l.text()) - 2);
            d.drawString(l.text(), tx, (float) py - 6);
        }
        d.dispose();

        // labels, legend
        g.setColor(Color.BLACK);
        g.setFont(g.getFont().deriveFont(Font.BOLD, 13f));
        g.drawString(title, left, top - 10);
        g.setFont(g.getFont().deriveFont(Font.PLAIN, 12f));
        FontMetrics lm = g.getFontMetrics();
        g.drawString(xLabel, left + pw / 2f - lm.stringWidth(xLabel) / 2f, height - 8);
        Graphics2D r = (Graphics2D) g.create();
        r.rotate(-Math.PI / 2);
        r.drawString(yLabel, -(top + ph / 2f) - lm.stringWidth(yLabel) / 2f, 14);
        r.dispose();
        if (empty) g.drawString("no data", left + pw / 2f - 20, top + ph / 2f);
        if (series.size() > 1) {
            int lw = series.stream().mapToInt(s -> lm.stringWidth(s.name())).max().orElse(0) + 30;
            int lx = left + pw - lw - 6, ly = top + 6, lh = 16 * series.size() + 6;
            g.setColor(new Color(255, 255, 255, 220));
            g.fillRect(lx, ly, lw, lh);
            g.setColor(Color.GRAY);
            g.drawRect(lx, ly, lw, lh);
            for (int i = 0; i < series.size(); i++) {
                Series s = series.get(i);
                g.setColor(s.color());
                g.fillRect(lx + 6, ly + 8 + 16 * i, 14, 6);
                g.setColor(Color.BLACK);
                g.drawString(s.name(), lx + 24, ly + 15 + 16 * i);
            }
        }
        g.dispose();
        return img;
    }

    /** About five "nice" tick values (1, 2 or 5 times a power of ten apart) between lo and hi. */
    static List<Double> ticks(double lo, double hi) {
        double raw = (hi - lo) / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag < 1.5 ? mag : raw / mag < 3.5 ? 2 * mag : raw / mag < 7.5 ? 5 * mag : 10 * mag;
        List<Double> out = new ArrayList<>();
        for (double t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.add(Math.abs(t) < step * 1e-9 ? 0 : t);
        return out;
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e7) return String.format(Locale.ROOT, "%d", (long) v);
        return String.format(Locale.ROOT, "%.3g", v);
    }
}
