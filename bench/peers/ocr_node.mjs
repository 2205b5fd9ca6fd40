// The @gutenye/ocr-node peer (PP-OCRv4 through onnxruntime-node): OCR of each image after one
// warm-up call; prints {seconds, results: [{image, lines: [{text, mean, box}]}]} as JSON.
import Ocr from '@gutenye/ocr-node'

const files = process.argv.slice(2)
const ocr = await Ocr.create()
await ocr.detect(files[0])
const start = performance.now()
const results = []
for (const image of files) {
  const lines = await ocr.detect(image)
  results.push({ image, lines: lines.map((line) => ({ text: line.text, mean: line.mean, box: line.box })) })
}
console.log(JSON.stringify({ seconds: (performance.now() - start) / 1000, results }))
