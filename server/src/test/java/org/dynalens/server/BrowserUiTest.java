package org.dynalens.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The web UI in headless Chromium (Debian chromium + chromium-driver) over a real server and real trained runs:
 * search, open a run, move the checkpoint slider, open a diff of two checkpoints and of two seeds, and check what
 * is drawn. Saves a screenshot of each page under docs/screenshots/. Skipped when the browser is not installed,
 * except on CI (CI=true), where that is a failure.
 */
class BrowserUiTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    static TrainedRuns runs;
    static DynalensServer server;
    static WebDriver driver;
    static WebDriverWait wait;
    static Path profile;
    static String base;

    @BeforeAll
    static void start() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            if ("true".equals(System.getenv("CI"))) fail("install chromium chromium-driver (apt-get install -y chromium chromium-driver)");
            Assumptions.abort("chromium and chromium-driver are not installed; skipping the browser tests");
        }
        runs = TrainedRuns.get();
        server = TestServer.over(runs.archive, runs.index, TestServer.randomPort());
        base = "http://127.0.0.1:" + server.port();
        profile = Files.createTempDirectory("dynalens-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--no-first-run", "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
                "--window-size=1300,1700");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        if (driver != null) driver.quit();
        if (server != null) server.stop();
        if (profile != null) TrainedRuns.deleteTree(profile);
    }

    @Test
    void searchRunSliderAndDiff() throws IOException {
        // search page: run a query, see the three runs
        driver.get(base + "/");
        WebElement q = wait.until(ExpectedConditions.elementToBeClickable(By.id("q")));
        q.clear();
        q.sendKeys("task:mod-add AND seed:[0 TO 1]", Keys.ENTER);
        wait.until(d -> rows(By.cssSelector("#results tbody tr")).size() == 2);
        assertTrue(driver.findElement(By.id("summary")).getText().contains("of 2"));
        assertTrue(driver.getCurrentUrl().contains("q="), driver.getCurrentUrl());
        screenshot("search.png");

        // run page: charts drawn, slider over the three checkpoints
        driver.findElement(By.linkText(runs.seed0)).click();
        wait.until(d -> !rows(By.cssSelector("#loss-chart canvas")).isEmpty());
        wait.until(d -> rows(By.cssSelector("#checkpoints tbody tr")).size() == 3);
        WebElement slider = driver.findElement(By.id("checkpoint-slider"));
        assertEquals("2", slider.getAttribute("max"));
        wait.until(d -> text("slider-step").startsWith("step 20"));
        wait.until(d -> !rows(By.cssSelector("#fourier-chart canvas")).isEmpty());

        slider.sendKeys(Keys.ARROW_LEFT, Keys.ARROW_LEFT); // step 0 has no analyses
        wait.until(d -> text("slider-step").startsWith("step 0"));
        wait.until(d -> text("fourier-chart").contains("No Fourier analysis"));
        assertTrue(rows(By.cssSelector("#slider-metrics tbody tr")).size() >= 4, "the checkpoint's metrics");

        slider.sendKeys(Keys.ARROW_RIGHT); // step 10: Fourier norms as bars
        wait.until(d -> text("slider-step").startsWith("step 10"));
        wait.until(d -> !rows(By.cssSelector("#fourier-chart canvas")).isEmpty());
        wait.until(d -> rows(By.cssSelector("#fourier-chart .u-legend")).size() == 1);
        String compare = driver.findElement(By.id("compare-link")).getAttribute("href");
        assertTrue(compare.contains("a=" + runs.seed0 + "%4010") && compare.contains("b=" + runs.seed0 + "%4020"), compare);
        screenshot("run.png");

        // diff page from the compare link: one run at two steps
        driver.findElement(By.id("compare-link")).click();
        wait.until(d -> isShown("result"));
        wait.until(d -> rows(By.cssSelector("#param-table tbody tr")).size() >= 10);
        assertTrue(text("diff-title").contains("(same run)"), text("diff-title"));
        assertTrue(rows(By.cssSelector("#metric-table tbody tr")).size() >= 5);
        assertTrue(!rows(By.cssSelector("#param-chart canvas")).isEmpty(), "relative change bars");
        Number heatmapWidth = (Number) ((JavascriptExecutor) driver).executeScript(
                "return document.getElementById('head-heatmap').width");
        assertTrue(heatmapWidth.intValue() > 100, "head similarity heatmap drawn: " + heatmapWidth);
        assertTrue(text("stat-cka-logits").matches("0\\.\\d+|1"), text("stat-cka-logits"));
        assertTrue(text("key-freqs").contains("shared"), text("key-freqs"));
        screenshot("diff.png");

        // pick another seed for b: two runs, Hungarian head matching
        WebElement runB = driver.findElement(By.id("run-b"));
        runB.clear();
        runB.sendKeys(runs.seed1, Keys.TAB);
        wait.until(d -> new Select(driver.findElement(By.id("step-b"))).getOptions().size() == 3);
        new Select(driver.findElement(By.id("step-b"))).selectByValue("20");
        driver.findElement(By.id("compare")).click();
        wait.until(d -> text("diff-title").contains("(two runs)"));
        assertEquals(4, rows(By.cssSelector("#head-matching tbody tr")).size());
        assertTrue(driver.getCurrentUrl().contains(runs.seed1), driver.getCurrentUrl());
        screenshot("diff-two-seeds.png");
    }

    /**
     * A 2-layer repeated-tokens run: the attention heatmap follows the checkpoint slider and the layer/head
     * selects; its pixels show causal attention (cells above the diagonal blank, the diagonal's row sums drawn).
     */
    @Test
    void attentionHeatmapFollowsTheSlider() throws IOException {
        TrainedSequenceRun seq = TrainedSequenceRun.get();
        DynalensServer other = TestServer.over(seq.archive, seq.index, TestServer.randomPort());
        try {
            driver.get("http://127.0.0.1:" + other.port() + "/run.html?id=" + seq.id);
            wait.until(d -> "20".equals(attr("attention-heatmap", "data-step")));
            // the head scores over training, one line per head (2 layers x 2 heads; induction: layer 1, previous-token:
            // layer 0)
            wait.until(d -> !rows(By.cssSelector("#k-composition-chart canvas")).isEmpty());
            assertEquals(List.of("step", "L1H0", "L1H1"), legend("induction-chart"));
            assertTrue(driver.findElement(By.id("induction-heads")).isDisplayed(), "the chart says it shows layer >= 1");
            assertEquals(List.of("step", "L0H0", "L0H1"), legend("previous-token-chart"));
            assertEquals(List.of("step", "L1H0", "L1H1", "random matrices"), legend("k-composition-chart"));
            assertEquals(String.valueOf(TrainedSequenceRun.N_CTX), attr("attention-heatmap", "data-n"));
            assertCausalPixels();
            assertTrue(text("attention-note").contains("input probe"), text("attention-note"));

            WebElement slider = driver.findElement(By.id("checkpoint-slider"));
            slider.sendKeys(Keys.ARROW_LEFT);
            wait.until(d -> "10".equals(attr("attention-heatmap", "data-step")));
            assertCausalPixels();

            new Select(driver.findElement(By.id("attention-layer"))).selectByValue("1");
            new Select(driver.findElement(By.id("attention-head"))).selectByValue("1");
            wait.until(d -> "1".equals(attr("attention-heatmap", "data-layer")) && "1".equals(attr("attention-heatmap", "data-head")));
            assertEquals("10", attr("attention-heatmap", "data-step"));
            assertCausalPixels();
            ((JavascriptExecutor) driver).executeScript("document.getElementById('attention-card').scrollIntoView()");
            screenshot("attention.png");
        } finally {
            other.stop();
        }
    }

    /** The series names in a uPlot chart's legend, in order. */
    private static List<String> legend(String chartId) {
        return rows(By.cssSelector("#" + chartId + " .u-legend .u-series .u-label")).stream().map(WebElement::getText).toList();
    }

    /** Above the diagonal every cell is white (no attention); each row puts some attention on keys 0..q. */
    private static void assertCausalPixels() {
        @SuppressWarnings("unchecked")
        List<Number> result = (List<Number>) ((JavascriptExecutor) driver).executeScript("""
                const c = document.getElementById('attention-heatmap');
                const g = c.getContext('2d');
                const n = +c.dataset.n, cell = +c.dataset.cell, left = +c.dataset.left, top = +c.dataset.top;
                let coloredAbove = 0, rowsWithInk = 0;
                for (let q = 0; q < n; q++) {
                  let ink = false;
                  for (let k = 0; k < n; k++) {
                    const px = g.getImageData(left + k * cell + cell / 2, top + q * cell + cell / 2, 1, 1).data;
                    const white = px[0] > 250 && px[1] > 250 && px[2] > 250;
                    if (k > q && !white) coloredAbove++;
                    if (k <= q && !white) ink = true;
                  }
                  if (ink) rowsWithInk++;
                }
                return [coloredAbove, rowsWithInk, n];""");
        assertEquals(0, result.get(0).intValue(), "no attention drawn above the diagonal");
        assertEquals(result.get(2).intValue(), result.get(1).intValue(), "every query row draws its attention");
    }

    private static String attr(String id, String name) {
        return driver.findElement(By.id(id)).getAttribute(name);
    }

    @Test
    void diffOfDifferentArchitecturesShowsTheError() {
        driver.get(base + "/diff.html?a=" + runs.seed0 + "@20&b=" + runs.small + "@20");
        wait.until(d -> isShown("error"));
        assertTrue(text("error").contains("different architectures"), text("error"));
    }

    private static List<WebElement> rows(By by) {
        return driver.findElements(by);
    }

    private static String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    private static boolean isShown(String id) {
        return driver.findElement(By.id(id)).isDisplayed();
    }

    private static void screenshot(String name) throws IOException {
        Path dir = repositoryRoot().resolve("docs").resolve("screenshots");
        Files.createDirectories(dir);
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), dir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Surefire runs in the module directory (server/); the screenshots belong to the repository's docs/. */
    private static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isRegularFile(here.resolve("../pom.xml")) && here.getFileName().toString().equals("server")
                ? here.getParent() : here;
    }
}
