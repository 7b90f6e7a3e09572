import sharp from 'sharp';
import { inspectImage, processAttachment } from '../src/media/images.ts';
const f = (c: string) => sharp({ create: { width: 100, height: 50, channels: 4, background: c } }).png().toBuffer();
const frames = await sharp([await f('#ff0000'), await f('#00ff00'), await f('#0000ff')], { join: { animated: true } }).gif({delay:[100,100,100]}).toBuffer();
console.log(await sharp(frames, {animated:true}).metadata().then(m=>[m.pages,m.pageHeight,m.height]));
const gi = await inspectImage(frames, 'file'); console.log(gi);
const gp = await processAttachment(frames, gi); console.log((await sharp(gp.full.data, {animated:true}).metadata()).pages, gp.full.size);
